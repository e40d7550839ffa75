"""The lead's side on the web: the activity form's sign-up fields, the sign-up list, check-in by hand."""

import sqlalchemy as sa

from core.timeutil import shanghai_today
from extensions import db
from points.models import Activity
from tests.factories import make_user, sign_in
from tests.factories_points import crew
from tests.factories_volunteering import make_open_activity, sign_up


def test_the_lead_creates_an_open_activity_with_capacity_and_times_on_the_form(app, client):
    c = crew(app)
    sign_in(client, c.lead)
    answer = client.post("/lead/activities", data={
        "team_id": str(c.team_id), "title": "交通文明劝导", "day": shanghai_today().isoformat(),
        "difficulty": "normal", "category": "文明创建", "place": "和平里路口", "start_time": "08:00",
        "end_time": "10:30", "open": "y", "capacity": "8"})
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:2000]
    with app.app_context():
        made = db.session.execute(sa.select(Activity).where(Activity.title == "交通文明劝导")).scalar_one()
        assert made.open and made.capacity == 8 and made.starts_at < made.ends_at


def test_the_form_refuses_a_bad_capacity_or_an_end_before_the_start(app, client):
    c = crew(app)
    sign_in(client, c.lead)
    base = {"team_id": str(c.team_id), "title": "敲门行动", "day": shanghai_today().isoformat(),
            "difficulty": "normal"}
    for bad in ({"capacity": "0"}, {"capacity": "１０"}, {"capacity": "99999999999999999999"},
                {"start_time": "10:00", "end_time": "09:00"}):
        answer = client.post("/lead/activities", data={**base, **bad})
        assert answer.status_code == 422, bad
    with app.app_context():
        assert db.session.execute(sa.select(Activity).where(Activity.title == "敲门行动")).first() is None


def test_the_lead_sees_who_signed_up_and_checks_someone_in_and_out_by_hand(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, capacity=4, title="社区食堂助餐")
    sign_up(app, activity_id, c.outsider)
    sign_in(client, c.lead)
    page = client.get(f"/lead/activities/{activity_id}/signups").get_data(as_text=True)
    assert c.outsider.name in page and "1 of 4 places taken" in page
    done = client.post(f"/lead/activities/{activity_id}/attendance",
                       data={"user_id": str(c.outsider.id), "action": "in"}, follow_redirects=True)
    assert "Checked in." in done.get_data(as_text=True)
    done = client.post(f"/lead/activities/{activity_id}/attendance",
                       data={"user_id": str(c.outsider.id), "action": "out"}, follow_redirects=True)
    assert "minutes proposed for approval" in done.get_data(as_text=True)


def test_another_teams_lead_is_told_not_found_and_an_auditor_only_reads(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead)
    stranger = make_user(app, "team_lead")
    sign_in(client, stranger)
    assert client.get(f"/lead/activities/{activity_id}/signups").status_code == 404
    assert client.get(f"/lead/activities/{activity_id}/code").status_code == 404
    auditor_client = app.test_client()
    sign_in(auditor_client, make_user(app, "auditor"))
    page = auditor_client.get(f"/lead/activities/{activity_id}/signups")
    assert page.status_code == 200 and "Show the attendance code" not in page.get_data(as_text=True)
    assert auditor_client.get(f"/lead/activities/{activity_id}/code").status_code == 403


def test_the_pages_speak_chinese_by_default(app):
    c = crew(app)
    make_open_activity(app, c.team_id, c.lead)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    sign_in(client, c.a)
    page = client.get("/activities").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
