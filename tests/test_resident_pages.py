"""What a resident meets on the phone: plain hours, service dates, large text, the card to show."""

from tests.factories import make_user, sign_in
from tests.factories_points import approve, crew, log


def test_hours_read_in_plain_words_with_the_service_day_and_a_rejection_reason(app, client):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 180, c.lead)
    approve(app, rid, c.admin)
    sign_in(client, c.a)
    html = client.get("/").get_data(as_text=True)
    assert "3 h ·" in html and "+30 points" in html  # the crew's activity is of normal difficulty
    assert "How the points were computed" in html
    with app.app_context():
        from extensions import db
        from points.models import HourRecord

        served = db.session.get(HourRecord, rid).service_date.isoformat()
    history = client.get("/history").get_data(as_text=True)
    assert f"Served on {served}" in history and "Posted " in history


def test_a_rejected_record_tells_the_resident_why(app, client):
    from points import hours
    from tests.factories_points import load_user

    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    with app.app_context():
        hours.reject_hours(rid, "活动当天未签到", load_user(c.admin.id))
    sign_in(client, c.a)
    assert "Not approved: 活动当天未签到" in client.get("/").get_data(as_text=True)


def test_large_text_is_switched_on_by_the_resident_and_stays_on(app, client):
    resident = make_user(app)
    sign_in(client, resident)
    assert "care-mode" not in client.get("/").get_data(as_text=True).split("<body", 1)[1].split(">", 1)[0]
    assert client.post("/care-mode", data={"on": "1"}).status_code == 302
    client.post("/sign-out")
    sign_in(client, resident)
    body_tag = client.get("/").get_data(as_text=True).split("<body", 1)[1].split(">", 1)[0]
    assert "care-mode" in body_tag
    assert client.post("/care-mode", data={"on": "maybe"}).status_code == 400
    assert client.post("/care-mode", data={"on": "0"}).status_code == 302
    assert "care-mode" not in client.get("/").get_data(as_text=True).split("<body", 1)[1].split(">", 1)[0]


def test_an_admin_switches_large_text_on_for_a_resident_and_it_is_audited(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    sign_in(client, admin)
    assert client.post(f"/people/{resident.id}/care-mode", data={"on": "1"}).status_code == 302
    assert client.post("/people/999999/care-mode", data={"on": "1"}).status_code == 404
    with app.app_context():
        import sqlalchemy as sa

        from accounts.models import User
        from audit.models import AuditEvent
        from extensions import db

        assert db.session.get(User, resident.id).care_mode is True
        assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "user.care_mode", AuditEvent.subject_id == resident.id)).scalar_one() == 1
    other = app.test_client()
    sign_in(other, make_user(app))
    assert other.post(f"/people/{resident.id}/care-mode", data={"on": "0"}).status_code == 403


def test_the_main_actions_show_without_opening_a_menu(app, client):
    resident = make_user(app)
    sign_in(client, resident)
    nav = client.get("/").get_data(as_text=True).split('class="home-actions', 1)[1].split("</nav>", 1)[0]
    for label in ("Show my card", "Goods I can exchange", "Points history", "My redemptions", "Messages", "Large text"):
        assert label in nav


def test_the_full_screen_card_shows_the_qr_and_the_code(app, client):
    resident = make_user(app)
    sign_in(client, resident)
    page = client.get("/card/show")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'class="card-show-qr"' in html and "data:image/svg+xml" in html
    assert resident.card_code[:2] in html
    assert app.test_client().get("/card/show").status_code == 302
