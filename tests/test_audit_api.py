"""GET /api/v1/audit and /api/v1/audit/verify: roles, filters, keyset pages, 422s, tamper detection."""

from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from audit import service as audit
from core.db import run_write
from core.timeutil import shanghai_today
from extensions import db
from tests.conftest import db_kind
from tests.factories import bearer, make_user


def record_events(app, specs):
    """specs: (action, actor_id, before, after); returns the new event ids (known once committed)."""
    with app.app_context():
        def work():
            return [audit.record(action, actor=actor, subject_type="hour_records", subject_id=i + 1,
                                 before=before, after=after)
                    for i, (action, actor, before, after) in enumerate(specs)]
        return [event.id for event in run_write(work)]


def tamper(app, event_id: int) -> None:
    """Edit an event behind the application's back (append-only trigger switched off first)."""
    with app.app_context():
        if db_kind(app) == "sqlite":
            db.session.execute(sa.text("DROP TRIGGER audit_events_no_update"))
        else:
            db.session.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        db.session.execute(sa.text("UPDATE audit_events SET action = 'hours.forged' WHERE id = :id"),
                           {"id": event_id})
        db.session.commit()


def test_audit_list_without_a_token_is_401(client):
    response = client.get("/api/v1/audit")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "not_signed_in"
    assert client.get("/api/v1/audit/verify").status_code == 401


@pytest.mark.parametrize("role", ["resident", "team_lead", "store_keeper"])
def test_other_roles_may_not_read_the_audit_trail(app, client, role):
    headers = bearer(app, make_user(app, role))
    for path in ("/api/v1/audit", "/api/v1/audit/verify", "/api/v1/audit?actor_id=abc"):
        response = client.get(path, headers=headers)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_admin_and_auditor_see_events_newest_first_with_objects(app, client, role):
    reader = make_user(app, role)
    ids = record_events(app, [("hours.logged", reader.id, None, {"minutes": 60}),
                              ("hours.approved", reader.id, {"status": "pending"}, {"status": "approved"})])
    body = client.get("/api/v1/audit", headers=bearer(app, reader)).get_json()
    assert [e["id"] for e in body["items"]][:2] == [ids[1], ids[0]]
    newest = body["items"][0]
    assert set(newest) >= {"id", "at", "actor_id", "address", "action", "subject_type", "subject_id",
                           "before", "after", "hash", "prev_hash"}
    assert newest["before"] == {"status": "pending"} and newest["after"] == {"status": "approved"}
    assert newest["prev_hash"] == body["items"][1]["hash"]
    assert newest["at"].endswith("+08:00")
    assert body["next"] is None


def test_filters_by_actor_action_exact_and_prefix_and_since(app, client):
    admin, lead = make_user(app, "admin"), make_user(app, "team_lead")
    record_events(app, [("hours.logged", lead.id, None, {}), ("hours.approved", admin.id, None, {}),
                        ("redemption.created", admin.id, None, {}), ("hours_x.other", admin.id, None, {})])
    headers = bearer(app, admin)

    def actions(query):
        response = client.get(f"/api/v1/audit?{query}", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [e["action"] for e in response.get_json()["items"]]

    assert actions(f"actor_id={lead.id}") == ["hours.logged"]
    assert actions("action=hours.approved") == ["hours.approved"]
    assert actions("action=hours.") == ["hours.approved", "hours.logged"]
    assert actions(f"action=hours.&actor_id={admin.id}") == ["hours.approved"]
    assert actions("action=hours") == []  # exact match only without the trailing dot
    tomorrow = (shanghai_today() + timedelta(days=1)).isoformat()
    assert actions(f"since={tomorrow}") == []
    assert len(actions(f"since={shanghai_today().isoformat()}")) >= 4
    assert len(actions("since=" + quote("2020-01-01T00:00:00+08:00"))) >= 4
    assert len(actions("since=2020-01-01T00:00:00+08:00")) >= 4  # an unencoded '+' arrives as a space
    assert len(actions("since=2020-01-01T00:00:00Z")) >= 4


@pytest.mark.parametrize("query, fields", [
    ("actor_id=abc", {"actor_id"}),
    ("since=notadate", {"since"}),
    ("since=2026-13-45", {"since"}),
    ("since=2026-05-01T10:00:00", {"since"}),  # no offset
    ("action=" + quote("hours;drop"), {"action"}),
    ("actor_id=-1&since=x", {"actor_id", "since"}),
    ("actor_id=99999999999999999999", {"actor_id"}),
    ("limit=0", {"limit"}),
    ("limit=201&cursor=abc", {"limit", "cursor"}),
    ("actor_id=1.5&limit=x", {"actor_id", "limit"}),
])
def test_bad_filters_answer_422_naming_each_field(app, client, query, fields):
    headers = bearer(app, make_user(app, "auditor"))
    response = client.get(f"/api/v1/audit?{query}", headers=headers)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == fields


def test_pages_follow_next_without_overlap_or_gaps(app, client):
    admin = make_user(app, "admin")
    record_events(app, [("test.event", admin.id, None, {"n": n}) for n in range(7)])
    headers = bearer(app, admin)
    seen, cursor = [], None
    while True:
        url = "/api/v1/audit?action=test.&limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).get_json()
        seen += [e["after"]["n"] for e in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == list(range(6, -1, -1))


def test_verify_is_ok_then_reports_the_edited_event(app, client):
    auditor = make_user(app, "auditor")
    ids = record_events(app, [("hours.approved", auditor.id, None, {"points": 10}) for _ in range(3)])
    headers = bearer(app, auditor)
    body = client.get("/api/v1/audit/verify", headers=headers).get_json()
    assert body["ok"] is True and body["checked"] >= 4 and "broken" not in body

    tamper(app, ids[1])
    response = client.get("/api/v1/audit/verify", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is False
    assert body["broken"]["id"] == ids[1]
    assert body["broken"]["reason"] == "hash mismatch"
    assert body["checked"] == ids[1] - 1
