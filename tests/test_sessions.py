"""Web sessions end on the server: sign-out, password changes, lost roles, deactivation, idle counters."""

from datetime import timedelta

import sqlalchemy as sa

from accounts.models import User, WebSession
from accounts.services import EditUser, update_user
from core.timeutil import utcnow
from extensions import db
from tests.factories import bearer, make_user

REMEMBER = "remember_token"


def sign_in_remembered(client, user, remember: bool = True):
    response = client.post("/sign-in", data={
        "username": user.username, "password": user.password, "remember": "y" if remember else "",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def copy_cookies(app, source) -> object:
    """A second browser holding copies of source's cookies (what a thief would have)."""
    thief = app.test_client()
    for name in ("session", REMEMBER):
        cookie = source.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def signed_in(client) -> bool:
    return client.get("/card").status_code == 200


def only_remember_cookie(app, source) -> object:
    thief = app.test_client()
    thief.set_cookie(REMEMBER, source.get_cookie(REMEMBER).value)
    return thief


def test_sign_out_ends_the_session_and_remember_cookie_even_for_copies(app, client):
    resident = make_user(app)
    sign_in_remembered(client, resident)
    session_copy = copy_cookies(app, client)
    remember_copy = only_remember_cookie(app, client)
    assert signed_in(session_copy) and signed_in(remember_copy)

    response = client.post("/sign-out")

    assert response.status_code == 302
    assert any(REMEMBER in h and "Expires=Thu, 01 Jan 1970" in h for h in response.headers.getlist("Set-Cookie"))
    assert not signed_in(client)
    assert not signed_in(session_copy)
    assert not signed_in(remember_copy)


def test_sign_out_is_audited_and_leaves_other_browsers_signed_in(app, client):
    resident = make_user(app)
    phone = app.test_client()
    sign_in_remembered(client, resident)
    sign_in_remembered(phone, resident, remember=False)

    client.post("/sign-out")

    assert signed_in(phone)
    with app.app_context():
        actions = db.session.execute(sa.text(
            "SELECT action FROM audit_events WHERE subject_id = :id ORDER BY id"), {"id": resident.id}).scalars().all()
    assert actions.count("auth.signed_out") == 1


def test_remember_cookie_is_new_on_every_sign_in_and_has_a_lifetime(app, client):
    resident = make_user(app)
    first = sign_in_remembered(client, resident)
    first_value = client.get_cookie(REMEMBER).value
    client.post("/sign-out")
    second = sign_in_remembered(client, resident)

    assert client.get_cookie(REMEMBER).value != first_value
    for response in (first, second):
        header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(REMEMBER))
        assert "HttpOnly" in header and "SameSite=Lax" in header and "Expires=" in header
        assert "Secure" not in header  # a plain-HTTP test server; production sets it (below)


def test_production_cookies_are_secure(database_url, monkeypatch):
    from app import create_app
    from tests.conftest import EnglishClient

    monkeypatch.setenv("JIFEN_SECURE_COOKIES", "1")
    app = create_app({"TESTING": True, "SECRET_KEY": "s" * 40, "SQLALCHEMY_DATABASE_URI": database_url,
                      "WTF_CSRF_ENABLED": False})
    app.test_client_class = EnglishClient
    try:
        resident = make_user(app)
        response = sign_in_remembered(app.test_client(), resident)
        headers = response.headers.getlist("Set-Cookie")
        assert all("Secure" in h and "HttpOnly" in h and "SameSite=Lax" in h
                   for h in headers if h.startswith(("session=", REMEMBER)))
        assert len([h for h in headers if h.startswith(("session=", REMEMBER))]) == 2
        behind_tls = app.test_client().get("/sign-in", headers={"X-Forwarded-Proto": "https"})
        assert "max-age" in behind_tls.headers.get("Strict-Transport-Security", "")
    finally:
        with app.app_context():
            db.engine.dispose()


def edit(app, user_id, **changes):
    with app.app_context():
        admin = db.session.get(User, changes.pop("admin_id"))
        person = db.session.get(User, user_id)
        fields = dict(user_id=user_id, name=person.name, roles=tuple(person.roles), active=person.active,
                      community_id=person.community_id, grid_id=person.grid_id, phone=person.phone)
        fields.update(changes)
        update_user(EditUser(**fields), admin)


def test_a_password_reset_ends_every_web_session_and_api_token(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    sign_in_remembered(client, resident)
    remember_copy = only_remember_cookie(app, client)
    headers = bearer(app, resident)

    edit(app, resident.id, admin_id=admin.id, new_password="a-new-password-1")

    assert not signed_in(client) and not signed_in(remember_copy)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_losing_a_role_ends_sessions_but_an_unrelated_edit_does_not(app, client):
    admin, lead = make_user(app, "admin"), make_user(app, "resident", "team_lead")
    sign_in_remembered(client, lead)
    headers = bearer(app, lead)

    edit(app, lead.id, admin_id=admin.id, name="改了名字")
    assert signed_in(client)

    edit(app, lead.id, admin_id=admin.id, roles=("resident",))
    assert not signed_in(client)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_deactivation_ends_sessions(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    sign_in_remembered(client, resident)

    edit(app, resident.id, admin_id=admin.id, active=False)

    assert not signed_in(client)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(WebSession.id))
                                  .where(WebSession.user_id == resident.id)).scalar_one() == 0


def age_sessions(app, user_id, minutes: int) -> None:
    with app.app_context():
        db.session.execute(sa.update(WebSession).where(WebSession.user_id == user_id)
                           .values(last_seen_at=utcnow() - timedelta(minutes=minutes)))
        db.session.commit()


def test_a_keepers_idle_counter_session_ends_and_the_sign_in_page_says_why(app, client):
    keeper = make_user(app, "store_keeper")
    sign_in_remembered(client, keeper)
    age_sessions(app, keeper.id, 10)
    assert signed_in(client)  # 10 minutes idle is within the 15

    age_sessions(app, keeper.id, 16)
    response = client.get("/card", follow_redirects=True)

    assert response.request.path == "/sign-in"
    assert "without activity" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_activity_keeps_a_keeper_signed_in_and_residents_have_no_idle_limit(app, client):
    keeper, resident = make_user(app, "store_keeper"), make_user(app)
    sign_in_remembered(client, keeper)
    age_sessions(app, keeper.id, 14)
    assert signed_in(client)  # this request counts as activity: the clock starts again
    with app.app_context():
        seen = db.session.execute(sa.select(WebSession.last_seen_at)
                                  .where(WebSession.user_id == keeper.id)).scalar_one()
    from core.timeutil import aware

    assert utcnow() - aware(seen) < timedelta(minutes=1)

    other = app.test_client()
    sign_in_remembered(other, resident)
    age_sessions(app, resident.id, 600)
    assert signed_in(other)


def test_an_expired_session_row_signs_nobody_in(app, client):
    resident = make_user(app)
    sign_in_remembered(client, resident)
    with app.app_context():
        db.session.execute(sa.update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert not signed_in(client)

    sign_in_remembered(client, resident)  # a new sign-in clears the dead row away
    assert signed_in(client)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(WebSession.id))).scalar_one() == 1
