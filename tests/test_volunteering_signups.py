"""Open activities and sign-up (API.md "Volunteering"): who may sign up, capacity, cancelling."""

from datetime import timedelta

from core.timeutil import shanghai_today
from tests.factories import bearer, make_user
from tests.factories_points import crew
from tests.factories_volunteering import make_open_activity


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def test_a_lead_creates_an_open_activity_with_capacity_and_times(app, client):
    c = crew(app)
    day = shanghai_today().isoformat()
    made = client.post("/api/v1/activities", headers=bearer(app, c.lead), json={
        "team_id": c.team_id, "title": "河道清理", "date": day, "difficulty": "normal", "place": "罗山社区",
        "open": True, "capacity": 12, "starts_at": f"{day}T09:00:00+08:00", "ends_at": f"{day}T11:30:00+08:00"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["open"] is True and body["capacity"] == 12
    assert body["starts_at"] == f"{day}T09:00:00+08:00" and body["ends_at"] == f"{day}T11:30:00+08:00"


def test_capacity_open_and_times_are_strictly_checked(app, client):
    c = crew(app)
    headers = bearer(app, c.lead)
    base = {"team_id": c.team_id, "title": "敲门行动", "date": shanghai_today().isoformat(), "difficulty": "normal"}
    day = base["date"]
    for bad in ({"capacity": 0}, {"capacity": 10001}, {"capacity": "5"}, {"capacity": True}, {"capacity": 2.5},
                {"open": "yes"}, {"starts_at": "9:00"}, {"starts_at": f"{day}T09:00:00"},
                {"starts_at": f"{day}T１0:00:00+08:00"},
                {"starts_at": f"{day}T10:00:00+08:00", "ends_at": f"{day}T09:00:00+08:00"},
                {"starts_at": "2020-01-01T09:00:00+08:00"}):
        answer = client.post("/api/v1/activities", headers=headers, json={**base, **bad})
        assert answer.status_code == 422, (bad, answer.get_json())
        assert set(answer.get_json()["error"]["fields"]) & {"capacity", "open", "starts_at", "ends_at"}, bad


def test_anyone_signs_up_for_an_open_activity_and_sees_it_in_their_list(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, capacity=3)
    outsider = bearer(app, c.outsider)

    listed = client.get("/api/v1/activities", headers=outsider).get_json()["items"]
    assert [a["id"] for a in listed] == [activity_id] and listed[0]["me"] is False

    made = client.post(f"/api/v1/activities/{activity_id}/signups", headers=outsider)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["signed_up"] == 1 and made.get_json()["capacity"] == 3
    listed = client.get("/api/v1/activities", headers=outsider).get_json()["items"]
    assert listed[0]["me"] is True and listed[0]["signed_up"] == 1


def test_a_closed_activity_takes_only_its_team(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, open_=False)
    refused = client.post(f"/api/v1/activities/{activity_id}/signups", headers=bearer(app, c.outsider))
    assert refused.status_code == 422 and error_code(refused) == "not_team_member"
    assert client.post(f"/api/v1/activities/{activity_id}/signups", headers=bearer(app, c.a)).status_code == 201
    # and the outsider does not see it in their list
    assert client.get("/api/v1/activities", headers=bearer(app, c.outsider)).get_json()["items"] == []


def test_signing_up_twice_or_past_capacity_is_refused_and_cancel_frees_the_place(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, capacity=1)
    a, b = bearer(app, c.a), bearer(app, c.b)
    path = f"/api/v1/activities/{activity_id}/signups"
    assert client.post(path, headers=a).status_code == 201
    full = client.post(path, headers=b)
    assert full.status_code == 409 and error_code(full) == "activity_full"
    again = client.post(path, headers=a)
    assert again.status_code == 409 and error_code(again) in ("activity_full", "already_signed_up")

    assert client.delete(f"{path}/me", headers=a).status_code == 204
    assert client.delete(f"{path}/me", headers=a).status_code == 404  # nothing left to cancel
    assert client.post(path, headers=b).status_code == 201


def test_signing_up_twice_with_room_left_says_already_signed_up(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, capacity=5)
    path = f"/api/v1/activities/{activity_id}/signups"
    headers = bearer(app, c.a)
    assert client.post(path, headers=headers).status_code == 201
    again = client.post(path, headers=headers)
    assert again.status_code == 409 and error_code(again) == "already_signed_up"
    roster = client.get(path, headers=bearer(app, c.lead)).get_json()
    assert roster["signed_up"] == 1 and [r["user_id"] for r in roster["items"]] == [c.a.id]


def test_unknown_activities_and_strangers_are_answered_properly(app, client):
    c = crew(app)
    headers = bearer(app, c.a)
    for path in ("/api/v1/activities/999999/signups", "/api/v1/activities/99999999999999/signups"):
        assert client.post(path, headers=headers).status_code == 404
    assert client.delete("/api/v1/activities/999999/signups/me", headers=headers).status_code == 404
    assert client.post(f"/api/v1/activities/{c.activity_id}/signups").status_code == 401
    activity_id = make_open_activity(app, c.team_id, c.lead)
    assert client.get(f"/api/v1/activities/{activity_id}/signups", headers=headers).status_code == 403


def test_a_past_activity_takes_no_sign_ups(app, client):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, day=shanghai_today() - timedelta(days=1))
    refused = client.post(f"/api/v1/activities/{activity_id}/signups", headers=bearer(app, c.outsider))
    assert refused.status_code == 422 and "activity_id" in refused.get_json()["error"]["fields"]


def test_sign_up_and_cancel_are_audited(app, client):
    c = crew(app)
    admin = make_user(app, "admin")
    activity_id = make_open_activity(app, c.team_id, c.lead)
    headers = bearer(app, c.outsider)
    client.post(f"/api/v1/activities/{activity_id}/signups", headers=headers)
    client.delete(f"/api/v1/activities/{activity_id}/signups/me", headers=headers)
    events = client.get("/api/v1/audit?action=signup.", headers=bearer(app, admin)).get_json()["items"]
    assert [e["action"] for e in events] == ["signup.cancelled", "signup.created"]
    assert all(e["actor_id"] == c.outsider.id for e in events)


def test_the_resident_signs_up_and_cancels_on_the_phone_page(app, client):
    from tests.factories import sign_in

    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, capacity=2, title="慰问养老院老人")
    sign_in(client, c.outsider)
    page = client.get("/activities").get_data(as_text=True)
    assert "慰问养老院老人" in page and "0 of 2 places taken" in page
    done = client.post(f"/activities/{activity_id}/signup", follow_redirects=True).get_data(as_text=True)
    assert "Signed up" in done and "1 of 2 places taken" in done
    done = client.post(f"/activities/{activity_id}/cancel", follow_redirects=True).get_data(as_text=True)
    assert "cancelled" in done and "0 of 2 places taken" in done
