"""Signing in and out, throttling, language, member cards (HTML and services)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from accounts import services
from accounts.cards import ALPHABET
from accounts.models import User
from accounts.signin import is_throttled
from accounts.throttle_models import SignInCounter
from accounts.views import safe_next
from app import create_app
from audit.models import AuditEvent
from core.errors import InvalidCard
from core.timeutil import utcnow
from extensions import db
from tests.factories import make_user, sign_in
from tests.factories_accounts import stub_missing_pages


@pytest.fixture(autouse=True)
def _linked_pages(request):
    for name in ("app", "csrf_app"):
        if name in request.fixturenames:
            stub_missing_pages(request.getfixturevalue(name))


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).scalars())


def _counted(app, scope: str, key: str) -> int:
    """Failures the database holds for one username or address (0 when it has no row)."""
    with app.app_context():
        return db.session.scalar(sa.select(SignInCounter.failures).where(
            SignInCounter.scope == scope, SignInCounter.key == key)) or 0


def _post_sign_in(client, username, password, **query):
    return client.post("/sign-in", query_string=query, data={"username": username, "password": password})


def test_sign_in_with_the_right_password_goes_to_the_start_page_and_is_audited(app, client):
    user = make_user(app)
    response = _post_sign_in(client, user.username, user.password)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/_placeholder/points.home") or response.headers[
        "Location"] == "/"
    assert client.get("/card").status_code == 200
    events = _events(app, "auth.signed_in")
    assert [e.actor_id for e in events] == [user.id]


def test_username_is_matched_without_regard_to_case(app, client):
    user = make_user(app, username="Wang.Fang")
    assert _post_sign_in(client, "  wang.fang ", user.password).status_code == 302


def test_wrong_password_is_refused_counted_and_audited_without_the_password(app, client):
    user = make_user(app)
    response = _post_sign_in(client, user.username, "wrong-password-1")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert _counted(app, "username", user.username) == 1 and _counted(app, "address", "127.0.0.1") == 1
    [event] = _events(app, "auth.sign_in_failed")
    assert user.username in event.after and "wrong-password-1" not in event.after
    assert event.subject_id == user.id and event.actor_id is None


def test_unknown_username_gets_the_same_answer(app, client):
    response = _post_sign_in(client, "nobody-here", "whatever-123")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    [event] = _events(app, "auth.sign_in_failed")
    assert event.subject_id is None and "nobody-here" in event.after


def test_a_deactivated_person_cannot_sign_in(app, client):
    user = make_user(app)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == user.id).values(active=False))
        db.session.commit()
    assert _post_sign_in(client, user.username, user.password).status_code == 401
    assert client.get("/card").status_code == 302


def test_empty_or_nul_fields_are_refused_without_touching_the_database(app, client):
    assert _post_sign_in(client, "", "").status_code == 422
    assert _post_sign_in(client, "bad\x00name", "password-1").status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInCounter)) == 0


def test_after_ten_failures_the_eleventh_attempt_is_refused_even_with_the_right_password(app, client):
    user = make_user(app)
    other = make_user(app)
    for _ in range(10):
        assert _post_sign_in(client, user.username, "wrong-password").status_code == 401
    response = _post_sign_in(client, user.username, user.password)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)
    # Counted in the database: a second app on the same database agrees.
    second = create_app({"TESTING": True, "SECRET_KEY": "other", "SQLALCHEMY_DATABASE_URI":
                         app.config["SQLALCHEMY_DATABASE_URI"]})
    with second.app_context():
        assert is_throttled(user.username.upper(), "10.9.9.9")
        assert not is_throttled(other.username, "10.9.9.9")
        db.session.remove()
        db.engine.dispose()
    # Other people are not affected, and refused attempts are not failures themselves.
    assert _post_sign_in(client, other.username, other.password).status_code == 302
    assert _counted(app, "username", user.username) == 10


def test_the_throttle_lifts_once_the_window_has_passed(app, client):
    user = make_user(app)
    with app.app_context():
        old = utcnow() - timedelta(minutes=16)
        db.session.add(SignInCounter(scope="username", key=user.username, window_start=old, failures=10))
        db.session.commit()
    assert _post_sign_in(client, user.username, user.password).status_code == 302


def test_fifty_failures_from_one_address_block_every_username_from_it(app, client):
    user = make_user(app)
    with app.app_context():
        db.session.add(SignInCounter(scope="address", key="127.0.0.1", window_start=utcnow(), failures=50))
        db.session.commit()
    assert _post_sign_in(client, user.username, user.password).status_code == 429
    other_address = app.test_client()
    response = other_address.post("/sign-in", data={"username": user.username, "password": user.password},
                                  environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 302


def test_next_is_followed_only_within_the_site(app):
    user = make_user(app)
    for target, expected in (("/card?x=1", "/card?x=1"), ("https://evil.example/", None),
                             ("//evil.example/", None), ("/\\evil.example", None)):
        client = app.test_client()
        response = _post_sign_in(client, user.username, user.password, next=target)
        assert response.status_code == 302
        location = response.headers["Location"]
        if expected:
            assert location == expected
        else:
            assert "evil" not in location


@pytest.mark.parametrize("target", ["http://x.test/a", "//x.test", "/\\x.test", "javascript:alert(1)",
                                    "/ok\n/x", "", None, "card"])
def test_safe_next_refuses_anything_but_a_local_path(target):
    assert safe_next(target) is None


def test_anonymous_visitors_are_sent_to_sign_in_and_brought_back(app, client):
    response = client.get("/people")
    assert response.status_code == 302 and "/sign-in?next=" in response.headers["Location"]


def test_the_sign_in_form_refuses_a_post_without_its_csrf_token(csrf_app):
    user = make_user(csrf_app)
    client = csrf_app.test_client()
    response = client.post("/sign-in", data={"username": user.username, "password": user.password})
    assert response.status_code == 400
    with csrf_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "auth.signed_in")) == 0


def test_sign_out_needs_a_post_and_forgets_the_person(app, client):
    user = make_user(app)
    sign_in(client, user)
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out").status_code == 302
    assert client.get("/card").status_code == 302


def test_switching_to_english_shows_english_pages_and_stays_on_the_site(app, client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"  # a Chinese browser
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    response = client.get("/lang/en", query_string={"next": "/sign-in"})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'lang="en"' in page and "Sign in" in page and "中文" in page
    response = client.get("/lang/zh", query_string={"next": "https://evil.example/"})
    assert "evil" not in response.headers["Location"]
    assert 'lang="zh-CN"' in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/lang/fr").status_code == 404


def test_the_language_choice_survives_signing_in_and_out(app, client):
    user = make_user(app)
    client.get("/lang/en")
    sign_in(client, user)
    client.post("/sign-out")
    assert 'lang="en"' in client.get("/sign-in").get_data(as_text=True)


def test_my_card_shows_my_name_code_and_a_qr_code(app, client):
    user = make_user(app, name="李秀英")
    sign_in(client, user)
    page = client.get("/card").get_data(as_text=True)
    assert "李秀英" in page and user.card_code[:2] in page and user.card_code[2:6] in page
    assert 'src="data:image/svg+xml' in page and "data-print" in page and "style=" not in page


def test_a_resident_gets_403_on_the_people_pages(app, client):
    user = make_user(app)
    other = make_user(app)
    sign_in(client, user)
    for url in ("/people", "/people/new", f"/people/{other.id}/edit", f"/people/{other.id}/card",
                "/communities"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/people/{other.id}/card/replace").status_code == 403


def test_replacing_a_card_makes_the_old_code_fail_at_once(app, client):
    admin = make_user(app, "admin")
    person = make_user(app)
    sign_in(client, admin)
    response = client.post(f"/people/{person.id}/card/replace")
    assert response.status_code == 302
    with app.app_context():
        with pytest.raises(InvalidCard):
            services.find_by_card(person.card_code)
        new_code = db.session.get(User, person.id).card_code
        assert new_code != person.card_code
        assert services.find_by_card(new_code).id == person.id
    [event] = _events(app, "user.card_replaced")
    assert person.card_code in event.before and new_code in event.after
    assert client.post("/people/999999/card/replace").status_code == 404


def test_a_card_code_with_one_wrong_character_is_refused(app):
    person = make_user(app)
    code = person.card_code
    with app.app_context():
        spaced = f"{code[:2]}-{code[2:6]} {code[6:10]} {code[10:]}".lower()
        assert services.find_by_card(spaced).id == person.id
        for position in range(2, len(code)):
            wrong = ALPHABET[(ALPHABET.index(code[position]) + 1) % len(ALPHABET)]
            typo = code[:position] + wrong + code[position + 1:]
            with pytest.raises(InvalidCard):
                services.find_by_card(typo)
        for raw in ("", "JF", "x" * 500, code + "2", code[:-1]):
            with pytest.raises(InvalidCard):
                services.find_by_card(raw)


def test_a_deactivated_persons_card_does_not_work(app):
    person = make_user(app)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == person.id).values(active=False))
        db.session.commit()
        with pytest.raises(InvalidCard):
            services.find_by_card(person.card_code)
