"""Attendance by code (API.md "Volunteering"): codes in and out of their window, check-in and out,
the pending hour record proposed with the minutes between, and every refusal on the way."""

from datetime import timedelta

import sqlalchemy as sa

from core.timeutil import shanghai_today, utcnow
from extensions import db
from tests.factories import bearer, make_user
from tests.factories_points import crew, record
from tests.factories_volunteering import code_now, make_open_activity, sign_up
from volunteering.models import Attendance


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def attend(client, headers, activity_id, code, action):
    return client.post("/api/v1/attendance", headers=headers,
                       json={"activity_id": activity_id, "code": code, "action": action})


def backdate_check_in(app, activity_id, user_id, minutes: int, seconds: int = 0) -> None:
    """As if the volunteer had checked in that long ago."""
    with app.app_context():
        db.session.execute(sa.update(Attendance).where(
            Attendance.activity_id == activity_id, Attendance.user_id == user_id)
            .values(checked_in_at=utcnow() - timedelta(minutes=minutes, seconds=seconds)))
        db.session.commit()


def test_the_lead_gets_a_six_digit_code_that_expires_within_a_minute(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead)
    shown = client.get(f"/api/v1/activities/{activity_id}/attendance-code", headers=bearer(app, c.lead))
    assert shown.status_code == 200
    body = shown.get_json()
    assert len(body["code"]) == 6 and body["code"].isdigit()
    assert body["code"] == code_now(app, activity_id)
    from datetime import datetime
    left = datetime.fromisoformat(body["expires_at"]) - utcnow()
    assert timedelta(0) < left <= timedelta(seconds=60)
    for outsider in (c.a, c.outsider):
        assert client.get(f"/api/v1/activities/{activity_id}/attendance-code",
                          headers=bearer(app, outsider)).status_code == 403
    assert client.get("/api/v1/activities/999999/attendance-code", headers=bearer(app, c.lead)).status_code == 404


def test_codes_differ_between_activities(app):
    c = crew(app)
    first = make_open_activity(app, c.team_id, c.lead)
    second = make_open_activity(app, c.team_id, c.lead)
    assert [code_now(app, first, n) for n in range(3)] != [code_now(app, second, n) for n in range(3)]


def test_a_member_checks_in_and_out_and_a_pending_record_with_the_minutes_between_is_proposed(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, open_=False)
    member = bearer(app, c.a)
    checked_in = attend(client, member, activity_id, code_now(app, activity_id), "in")
    assert checked_in.status_code == 201, checked_in.get_json()
    assert "checked_in_at" in checked_in.get_json()
    backdate_check_in(app, activity_id, c.a.id, 95, 30)

    out = attend(client, member, activity_id, code_now(app, activity_id), "out")
    assert out.status_code == 201, out.get_json()
    body = out.get_json()
    assert body["minutes"] == 95 and body["hours_id"] and "checked_out_at" in body
    proposed = record(app, body["hours_id"])
    assert proposed.status == "pending" and proposed.minutes == 95 and proposed.points == 16  # 95/60×10

    approved = client.post(f"/api/v1/hours/{body['hours_id']}/approve", headers=bearer(app, c.admin))
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    account = client.get(f"/api/v1/accounts/{c.a.id}", headers=member).get_json()
    assert account["balance"] == 16 and account["service_minutes"] == 95


def test_the_record_is_logged_by_the_lead_never_by_the_volunteer(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead)
    sign_up(app, activity_id, c.outsider)
    headers = bearer(app, c.outsider)
    attend(client, headers, activity_id, code_now(app, activity_id), "in")
    out = attend(client, headers, activity_id, code_now(app, activity_id), "out").get_json()
    with app.app_context():
        from points.models import HourRecord
        saved = db.session.get(HourRecord, out["hours_id"])
        assert saved.logged_by_id == c.lead.id and saved.volunteer_id == c.outsider.id
        assert "code" in saved.note


def test_the_previous_code_is_still_accepted_but_an_older_one_is_not(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, open_=False)
    previous = attend(client, bearer(app, c.a), activity_id, code_now(app, activity_id, 1), "in")
    assert previous.status_code == 201
    current, old = code_now(app, activity_id), code_now(app, activity_id, 2)
    assert old not in (current, code_now(app, activity_id, 1))
    refused = attend(client, bearer(app, c.b), activity_id, old, "in")
    assert refused.status_code == 422 and error_code(refused) == "invalid_code"
    future = code_now(app, activity_id, -2)
    if future not in (current, code_now(app, activity_id, 1)):
        assert error_code(attend(client, bearer(app, c.b), activity_id, future, "in")) == "invalid_code"


def test_another_activitys_code_does_not_open_this_one(app, client):
    c = crew(app)
    here = make_open_activity(app, c.team_id, c.lead, open_=False)
    there = make_open_activity(app, c.team_id, c.lead, open_=False)
    wrong = code_now(app, there)
    if wrong not in (code_now(app, here), code_now(app, here, 1)):
        refused = attend(client, bearer(app, c.a), here, wrong, "in")
        assert refused.status_code == 422 and error_code(refused) == "invalid_code"


def test_check_out_before_check_in_and_twice_are_refused(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, open_=False)
    headers = bearer(app, c.a)
    early = attend(client, headers, activity_id, code_now(app, activity_id), "out")
    assert early.status_code == 409 and error_code(early) == "not_checked_in"
    attend(client, headers, activity_id, code_now(app, activity_id), "in")
    again_in = attend(client, headers, activity_id, code_now(app, activity_id), "in")
    assert again_in.status_code == 409
    assert attend(client, headers, activity_id, code_now(app, activity_id), "out").status_code == 201
    twice = attend(client, headers, activity_id, code_now(app, activity_id), "out")
    assert twice.status_code == 409 and error_code(twice) == "already_checked_out"
    assert error_code(attend(client, headers, activity_id, code_now(app, activity_id), "in")) == "already_checked_out"


def test_a_non_member_of_a_closed_activity_cannot_check_in_even_with_the_code(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, open_=False)
    refused = attend(client, bearer(app, c.outsider), activity_id, code_now(app, activity_id), "in")
    assert refused.status_code == 422 and error_code(refused) == "not_team_member"


def test_an_open_activity_needs_a_sign_up_before_check_in(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead)
    headers = bearer(app, c.outsider)
    assert error_code(attend(client, headers, activity_id, code_now(app, activity_id), "in")) == "not_team_member"
    sign_up(app, activity_id, c.outsider)
    assert attend(client, headers, activity_id, code_now(app, activity_id), "in").status_code == 201


def test_bad_bodies_answer_422_naming_the_field(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, open_=False)
    headers = bearer(app, c.a)
    for body, field in (({"activity_id": activity_id, "code": "12345", "action": "in"}, "code"),
                        ({"activity_id": activity_id, "code": 123456, "action": "in"}, "code"),
                        ({"activity_id": activity_id, "code": "１２３４５６", "action": "in"}, "code"),
                        ({"activity_id": activity_id, "code": "123456", "action": "sideways"}, "action"),
                        ({"activity_id": "1", "code": "123456", "action": "in"}, "activity_id"),
                        ({"activity_id": 2**40, "code": "123456", "action": "in"}, "activity_id"),
                        ({"activity_id": 999999, "code": "123456", "action": "in"}, "activity_id"),
                        ({"activity_id": activity_id, "code": "12\x0034", "action": "in"}, "code")):
        answer = client.post("/api/v1/attendance", headers=headers, json=body)
        assert answer.status_code == 422, (body, answer.get_json())
        assert field in answer.get_json()["error"]["fields"], body
    assert client.post("/api/v1/attendance", headers=headers, data="nope",
                       content_type="application/json").status_code == 400
    assert client.post("/api/v1/attendance", json={}).status_code == 401


def test_check_in_is_open_on_the_activitys_day_only(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, open_=False, day=shanghai_today() + timedelta(days=2))
    refused = attend(client, bearer(app, c.a), activity_id, code_now(app, activity_id), "in")
    assert refused.status_code == 422 and "activity_id" in refused.get_json()["error"]["fields"]


def test_the_24_hour_cap_applies_to_a_check_out(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, open_=False)
    other = make_open_activity(app, c.team_id, c.lead, open_=False)
    from tests.factories_points import log
    log(app, other, c.a, 1400, c.lead)
    headers = bearer(app, c.a)
    attend(client, headers, activity_id, code_now(app, activity_id), "in")
    backdate_check_in(app, activity_id, c.a.id, 60)
    refused = attend(client, headers, activity_id, code_now(app, activity_id), "out")
    assert refused.status_code == 409 and error_code(refused) == "daily_limit_exceeded"
    with app.app_context():  # nothing partial: still checked in, no record
        row = db.session.execute(sa.select(Attendance).where(Attendance.activity_id == activity_id)).scalar_one()
        assert row.checked_out_at is None and row.hours_id is None


def test_a_lead_checks_a_volunteer_in_and_out_by_hand_and_it_is_audited(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, open_=False)
    lead = bearer(app, c.lead)
    by_hand = {"activity_id": activity_id, "user_id": c.b.id}
    assert client.post("/api/v1/attendance", headers=lead, json={**by_hand, "action": "in"}).status_code == 201
    out = client.post("/api/v1/attendance", headers=lead, json={**by_hand, "action": "out"})
    assert out.status_code == 201 and out.get_json()["hours_id"]
    assert record(app, out.get_json()["hours_id"]).status == "pending"
    events = client.get("/api/v1/audit?action=attendance.", headers=bearer(app, c.admin)).get_json()["items"]
    assert [e["action"] for e in events] == ["attendance.checked_out", "attendance.checked_in"]
    assert all(e["actor_id"] == c.lead.id and e["after"]["how"] == "hand" for e in events)
    # a resident cannot do it for someone else, nor a lead for themselves
    assert client.post("/api/v1/attendance", headers=bearer(app, c.a),
                       json={"activity_id": activity_id, "user_id": c.b.id, "action": "in"}).status_code == 403
    stranger_lead = make_user(app, "team_lead")
    assert client.post("/api/v1/attendance", headers=bearer(app, stranger_lead),
                       json={"activity_id": activity_id, "user_id": c.a.id, "action": "in"}).status_code == 403


def test_the_resident_checks_in_on_the_page_the_qr_opens(app, client):
    from tests.factories import sign_in

    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, open_=False, title="垃圾分类宣传")
    sign_in(client, c.a)
    code = code_now(app, activity_id)
    page = client.get(f"/attend?activity={activity_id}&code={code}").get_data(as_text=True)
    assert "垃圾分类宣传" in page and f'value="{code}"' in page and 'inputmode="numeric"' in page
    done = client.post("/attend", data={"activity_id": activity_id, "code": code, "action": "in"},
                       follow_redirects=True)
    assert "Checked in" in done.get_data(as_text=True)
    wrong = client.post("/attend", data={"activity_id": activity_id, "code": "12ab56", "action": "out"})
    assert wrong.status_code == 422


def test_the_code_screen_shows_the_code_and_a_qr_of_the_check_in_link(app, client):
    from tests.factories import sign_in

    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead)
    sign_in(client, c.lead)
    page = client.get(f"/lead/activities/{activity_id}/code").get_data(as_text=True)
    assert code_now(app, activity_id) in page or code_now(app, activity_id, 1) in page
    payload = client.get(f"/lead/activities/{activity_id}/code.json").get_json()
    assert payload["url"].endswith(f"/attend?activity={activity_id}&code={payload['code']}")
    assert payload["qr"].startswith("data:image/svg+xml")
