"""The hours and accounts API: status codes, error codes and bodies as API.md promises."""

from datetime import timedelta

import pytest

from core.timeutil import shanghai_today
from tests.factories import bearer, make_user
from tests.factories_points import approve, balance, count_records, crew, log, make_activity, make_team, spend


def code(response):
    return response.get_json()["error"]["code"]


def test_a_lead_creates_an_activity_and_logs_hours(app, client):
    c = crew(app)
    h = bearer(app, c.lead)
    made = client.post("/api/v1/activities", headers=h, json={
        "team_id": c.team_id, "title": "敬老院探访", "date": shanghai_today().isoformat(),
        "difficulty": "hard", "category": "敬老爱老"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["difficulty"] == "hard" and made.get_json()["multiplier"] == "1.5"
    logged = client.post("/api/v1/hours", headers=h, json={
        "activity_id": made.get_json()["id"], "volunteer_id": c.a.id, "minutes": 45})
    assert logged.status_code == 201
    body = logged.get_json()
    assert (body["status"], body["points"], body["points_per_hour"], body["multiplier"]) == ("pending", 11, 10, "1.5")


@pytest.mark.parametrize(("body", "field"), [
    ({"team_id": "x", "title": "t", "date": "2020-01-01", "difficulty": "normal"}, "team_id"),
    ({"title": "t", "date": "2020-13-01", "difficulty": "normal"}, "date"),
    ({"title": "t", "date": "2020-01-01", "difficulty": "nope"}, "difficulty"),
    ({"title": "", "date": "2020-01-01", "difficulty": "normal"}, "title"),
    ({"team_id": 99999, "title": "t", "date": "2020-01-01", "difficulty": "normal"}, "team_id"),
])
def test_bad_activity_bodies_answer_422_with_the_field(app, client, body, field):
    c = crew(app)
    body = {"team_id": c.team_id, **body}
    response = client.post("/api/v1/activities", headers=bearer(app, c.admin), json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_activity_creation_refusals_in_order(app, client):
    c = crew(app)
    other = make_user(app, "team_lead")
    make_team(app, leads=[other])
    body = {"team_id": c.team_id, "title": "t", "date": "2020-01-01", "difficulty": "normal"}
    assert client.post("/api/v1/activities", json=body).status_code == 401
    assert code(client.post("/api/v1/activities", headers=bearer(app, c.a), json=body)) == "forbidden"
    refused = client.post("/api/v1/activities", headers=bearer(app, other), json={**body, "title": ""})
    assert (refused.status_code, code(refused)) == (403, "not_team_lead")
    assert client.post("/api/v1/activities", headers=bearer(app, c.lead), data="{",
                       content_type="application/json").status_code == 400


@pytest.mark.parametrize(("who", "volunteer", "minutes", "status", "error"), [
    ("a", "b", 60, 403, "forbidden"),
    ("other_lead", "a", 60, 403, "not_team_lead"),
    ("lead", "lead", 60, 403, "self_logging_forbidden"),
    ("admin", "admin", 60, 403, "self_logging_forbidden"),
    ("lead", "a", 0, 422, "validation_failed"),
    ("lead", "a", 1441, 422, "validation_failed"),
    ("lead", "a", "60", 422, "validation_failed"),
    ("lead", "a", True, 422, "validation_failed"),
    ("lead", "nobody", 60, 422, "validation_failed"),
    ("lead", "huge", 60, 422, "validation_failed"),
    ("lead", "outsider", 60, 422, "not_team_member"),
])
def test_logging_refusals_answer_their_codes_and_save_nothing(app, client, who, volunteer, minutes, status, error):
    c = crew(app)
    c.other_lead = make_user(app, "team_lead")
    make_team(app, leads=[c.other_lead])
    ids = {"nobody": 999999, "huge": 2**60}
    volunteer_id = ids.get(volunteer) or getattr(c, volunteer).id
    response = client.post("/api/v1/hours", headers=bearer(app, getattr(c, who)), json={
        "activity_id": c.activity_id, "volunteer_id": volunteer_id, "minutes": minutes})
    assert (response.status_code, code(response)) == (status, error), response.get_json()
    assert count_records(app) == 0


def test_unknown_or_future_activity_is_422_and_duplicates_and_the_cap_are_409(app, client):
    c = crew(app)
    h = bearer(app, c.lead)
    response = client.post("/api/v1/hours", headers=h, json={"activity_id": 999999, "volunteer_id": c.a.id, "minutes": 60})
    assert (response.status_code, list(response.get_json()["error"]["fields"])) == (422, ["activity_id"])
    future = make_activity(app, c.team_id, c.lead, day=shanghai_today() + timedelta(days=2))
    response = client.post("/api/v1/hours", headers=h, json={"activity_id": future, "volunteer_id": c.a.id, "minutes": 60})
    assert response.status_code == 422 and "activity_id" in response.get_json()["error"]["fields"]
    body = {"activity_id": c.activity_id, "volunteer_id": c.a.id, "minutes": 1000}
    assert client.post("/api/v1/hours", headers=h, json=body).status_code == 201
    assert code(client.post("/api/v1/hours", headers=h, json=body)) == "duplicate_record"
    second = make_activity(app, c.team_id, c.lead)
    response = client.post("/api/v1/hours", headers=h, json={**body, "activity_id": second, "minutes": 441})
    assert (response.status_code, code(response)) == (409, "daily_limit_exceeded")
    assert count_records(app) == 1


def test_approve_reject_reverse_through_the_api(app, client):
    c = crew(app)
    h = bearer(app, c.admin)
    first = log(app, c.activity_id, c.a, 60, c.lead)
    second = log(app, c.activity_id, c.b, 60, c.lead)
    assert code(client.post(f"/api/v1/hours/{first}/approve", headers=bearer(app, c.lead))) == "forbidden"
    assert code(client.post("/api/v1/hours/999999/approve", headers=h)) == "not_found"
    approved = client.post(f"/api/v1/hours/{first}/approve", headers=h)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert balance(app, c.a) == 10
    again = client.post(f"/api/v1/hours/{first}/approve", headers=h)
    assert (again.status_code, code(again)) == (409, "already_decided")
    missing_reason = client.post(f"/api/v1/hours/{second}/reject", headers=h, json={})
    assert (missing_reason.status_code, code(missing_reason)) == (422, "validation_failed")
    rejected = client.post(f"/api/v1/hours/{second}/reject", headers=h, json={"reason": "没来"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert code(client.post(f"/api/v1/hours/{second}/reverse", headers=h, json={"reason": "x"})) == "already_decided"
    reversed_ = client.post(f"/api/v1/hours/{first}/reverse", headers=h, json={"reason": "记错人"})
    assert reversed_.status_code == 200 and reversed_.get_json()["status"] == "reversed"
    assert code(client.post(f"/api/v1/hours/{first}/reverse", headers=h, json={"reason": "x"})) == "already_reversed"
    assert balance(app, c.a) == 0


def test_reversing_spent_points_answers_points_already_spent(app, client):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    approve(app, rid, c.admin)
    spend(app, c.a, 10)
    response = client.post(f"/api/v1/hours/{rid}/reverse", headers=bearer(app, c.admin), json={"reason": "x"})
    assert (response.status_code, code(response)) == (409, "points_already_spent")


def test_an_idempotency_key_replay_on_approve_returns_the_same_200_body(app, client):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    h = {**bearer(app, c.admin), "Idempotency-Key": "approve-1"}
    first = client.post(f"/api/v1/hours/{rid}/approve", headers=h)
    second = client.post(f"/api/v1/hours/{rid}/approve", headers=h)
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()
    assert balance(app, c.a) == 10
    conflict = client.post(f"/api/v1/hours/{rid}/approve", headers=h, json={"other": 1})
    assert (conflict.status_code, code(conflict)) == (409, "idempotency_conflict")


def test_an_approval_with_a_key_commits_once_with_its_answer_and_a_refusal_remembers_nothing(app, client):
    import sqlalchemy as sa

    from core.models import IdempotentResponse
    from extensions import db

    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    h = {**bearer(app, c.admin), "Idempotency-Key": "approve-once"}
    client.get("/healthz")
    with app.app_context():
        engine = db.engine
    commits = []

    def committed(connection):
        commits.append(connection)

    sa.event.listen(engine, "commit", committed)
    try:
        first = client.post(f"/api/v1/hours/{rid}/approve", headers=h)
    finally:
        sa.event.remove(engine, "commit", committed)
    assert first.status_code == 200 and first.get_json()["status"] == "approved"
    assert len(commits) == 1  # the approval and its remembered answer: one transaction
    replay = client.post(f"/api/v1/hours/{rid}/approve", headers=h)
    assert (replay.status_code, replay.get_json()) == (200, first.get_json())
    again = client.post(f"/api/v1/hours/{rid}/approve", headers={**h, "Idempotency-Key": "approve-twice"})
    assert (again.status_code, code(again)) == (409, "already_decided")
    assert balance(app, c.a) == 10
    with app.app_context():
        keys = db.session.scalars(sa.select(IdempotentResponse.key)).all()
    assert keys == ["approve-once"]


def test_an_idempotency_key_replay_on_reverse_posts_once(app, client):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    approve(app, rid, c.admin)
    h = {**bearer(app, c.admin), "Idempotency-Key": "rev-1"}
    first = client.post(f"/api/v1/hours/{rid}/reverse", headers=h, json={"reason": "x"})
    second = client.post(f"/api/v1/hours/{rid}/reverse", headers=h, json={"reason": "x"})
    assert first.status_code == second.status_code == 200 and first.get_json() == second.get_json()
    assert balance(app, c.a) == 0
