"""Black-box checks of every call in API.md: status, fields, error codes and their precedence.

One world per test (people of every role, a team with an activity and hour records, a store
with an item and a redemption); each test walks one call through its error answers and
then its success, so the table below is the whole contract in one place.
"""

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from accounts.models import ApiToken
from audit.models import AuditEvent
from core.api import token_hash
from core.timeutil import utcnow
from extensions import db
from tests.factories import bearer, make_user
from tests.factories_points import approve, log, make_activity, make_team
from tests.factories_store import give_points, make_item, make_store
from tests.test_openapi import API_CALLS

HUGE_IDS = ("0", "2147483648", "99999999999999999999", "999999")
MALFORMED = [b"{bad json", b"[]", b"[1, 2]", b"", b"null", b'"text"', b"42", b"\xff\xfe", b"[" * 5000]


def expired_headers(app, user) -> dict:
    """A real token whose time has passed."""
    headers = bearer(app, user)
    with app.app_context():
        row = db.session.execute(sa.select(ApiToken).where(
            ApiToken.token_hash == token_hash(headers["Authorization"].split(" ", 1)[1]))).scalar_one()
        row.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    return headers


def world(app, client) -> SimpleNamespace:
    """People of every role and one of each thing a path can name."""
    w = SimpleNamespace()
    w.admin = make_user(app, "admin")
    w.admin2 = make_user(app, "admin")
    w.auditor = make_user(app, "auditor")
    w.lead = make_user(app, "team_lead")
    w.other_lead = make_user(app, "team_lead")
    w.keeper = make_user(app, "store_keeper")
    w.resident = make_user(app)
    w.other = make_user(app)
    w.extra = make_user(app)
    w.outsider = make_user(app)
    w.team_id = make_team(app, leads=[w.lead], members=[w.resident, w.other, w.extra])
    make_team(app, leads=[w.other_lead])
    w.activity_id = make_activity(app, w.team_id, w.lead)
    w.pending_id = log(app, w.activity_id, w.resident, 60, w.lead)
    w.approved_id = log(app, w.activity_id, w.other, 60, w.lead)
    approve(app, w.approved_id, w.admin)
    w.store = make_store(app, w.keeper.id)
    w.item_id = make_item(app, w.store.id, price=10, stock=50)
    give_points(app, w.resident.id, 500)
    w.h = {name: bearer(app, getattr(w, name)) for name in (
        "admin", "admin2", "auditor", "lead", "other_lead", "keeper", "resident", "other", "outsider")}
    response = client.post("/api/v1/redemptions", headers=w.h["keeper"], json={
        "store_id": w.store.id, "resident_id": w.resident.id, "lines": [{"item_id": w.item_id, "quantity": 1}]})
    assert response.status_code == 201, response.json
    w.redemption_id = response.json["id"]
    w.card = w.resident.card_code
    return w


def call(method, path, *, who, body=None, ok=200, fields=(), forbidden=(), path_kind=None, kinds=None,
         listing=False, idem=False, other_body=None):
    """One row of the contract table. path/body take the world."""
    return SimpleNamespace(method=method, path=path, who=who, body=body, ok=ok, fields=fields,
                           forbidden=forbidden, path_kind=path_kind, kinds=kinds or {}, listing=listing,
                           idem=idem, other_body=other_body)


def _id(w, name):
    return getattr(w, name)


CALLS = {
    "me": call("GET", lambda w: "/api/v1/me", who="resident",
               fields=("id", "username", "name", "roles", "balance", "card_code")),
    "create_user": call("POST", lambda w: "/api/v1/users", who="admin", ok=201,
                        body=lambda w: {"username": "new.person", "name": "新居民", "password": "long-enough-1",
                                        "roles": ["resident"], "community_id": None},
                        fields=("id", "username", "name", "roles"), forbidden=("keeper", "auditor", "resident"),
                        kinds={"username": "text", "name": "text", "password": "password", "roles": "roles",
                               "community_id": "opt_id"}),
    "search_users": call("GET", lambda w: "/api/v1/users?q=", who="keeper", listing=True,
                         forbidden=("resident", "auditor", "lead")),
    "create_community": call("POST", lambda w: "/api/v1/communities", who="admin", ok=201,
                             body=lambda w: {"name": "幸福社区"}, fields=("id", "name"),
                             forbidden=("lead", "keeper"), kinds={"name": "text"}),
    "create_team": call("POST", lambda w: "/api/v1/teams", who="admin", ok=201,
                        body=lambda w: {"name": "新的服务队", "lead_ids": [w.outsider.id]}, fields=("id", "name"),
                        forbidden=("lead", "resident"), kinds={"name": "text", "lead_ids": "ids",
                                                                "community_id": "opt_id"}),
    "add_member": call("POST", lambda w: f"/api/v1/teams/{w.team_id}/members", who="lead", ok=201,
                       body=lambda w: {"user_id": w.outsider.id}, fields=("team_id", "user_id"),
                       forbidden=("resident", "keeper"), path_kind="team", kinds={"user_id": "id"}),
    "list_levels": call("GET", lambda w: "/api/v1/difficulty-levels", who="resident", listing=True),
    "create_level": call("POST", lambda w: "/api/v1/difficulty-levels", who="admin", ok=201,
                         body=lambda w: {"code": "tough", "name": "很难", "multiplier": "1.5"},
                         fields=("code", "name", "multiplier"), forbidden=("lead", "auditor"),
                         kinds={"code": "text", "name": "text", "multiplier": "multiplier"}),
    "get_rules": call("GET", lambda w: "/api/v1/rules", who="resident", fields=("points_per_hour", "version")),
    "put_rules": call("PUT", lambda w: "/api/v1/rules", who="admin", body=lambda w: {"points_per_hour": 20},
                      fields=("points_per_hour", "version"), forbidden=("lead", "auditor"),
                      kinds={"points_per_hour": "int"}),
    "create_activity": call("POST", lambda w: "/api/v1/activities", who="lead", ok=201,
                            body=lambda w: {"team_id": w.team_id, "title": "清扫楼道", "date": "2026-05-01",
                                            "difficulty": "normal", "category": "环境"},
                            fields=("id",), forbidden=("resident", "keeper", "auditor"),
                            kinds={"team_id": "id", "title": "text", "date": "date", "difficulty": "text",
                                   "category": "opt_text"}),
    "log_hours": call("POST", lambda w: "/api/v1/hours", who="lead", ok=201,
                      body=lambda w: {"activity_id": w.activity_id, "volunteer_id": w.extra.id, "minutes": 90},
                      fields=("id", "status", "points"), forbidden=("resident", "keeper", "auditor"),
                      kinds={"activity_id": "id", "volunteer_id": "id", "minutes": "int"}),
    "approve": call("POST", lambda w: f"/api/v1/hours/{w.pending_id}/approve", who="admin",
                    fields=("status",), forbidden=("lead", "auditor", "resident"), path_kind="hours", idem=True,
                    other_body=lambda w: {"note": "other"}),
    "reject": call("POST", lambda w: f"/api/v1/hours/{w.pending_id}/reject", who="admin",
                   body=lambda w: {"reason": "没有签到"}, fields=("status",), forbidden=("lead", "auditor"),
                   path_kind="hours", kinds={"reason": "text"}),
    "reverse": call("POST", lambda w: f"/api/v1/hours/{w.approved_id}/reverse", who="admin",
                    body=lambda w: {"reason": "记录有误"}, fields=("status",), forbidden=("lead", "auditor"),
                    path_kind="hours", kinds={"reason": "text"}, idem=True,
                    other_body=lambda w: {"reason": "另一个原因"}),
    "commend": call("POST", lambda w: "/api/v1/commendations", who="admin", ok=201,
                    body=lambda w: {"user_id": w.other.id, "type": "good_deed", "reason": "拾金不昧"},
                    fields=("id", "user_id", "points"), forbidden=("lead", "auditor", "keeper"),
                    kinds={"user_id": "id", "type": "text", "reason": "text"}, idem=True,
                    other_body=lambda w: {"user_id": w.other.id, "type": "good_deed", "reason": "另一件好事"}),
    "adjust": call("POST", lambda w: "/api/v1/adjustments", who="admin", ok=201,
                   body=lambda w: {"user_id": w.other.id, "points": -5, "reason": "更正"},
                   fields=("id", "user_id", "points"), forbidden=("lead", "auditor", "keeper"),
                   kinds={"user_id": "id", "points": "int", "reason": "text"}, idem=True,
                   other_body=lambda w: {"user_id": w.other.id, "points": 7, "reason": "更正"}),
    "account": call("GET", lambda w: f"/api/v1/accounts/{w.resident.id}", who="resident",
                    fields=("user_id", "balance"), path_kind="user"),
    "entries": call("GET", lambda w: f"/api/v1/accounts/{w.resident.id}/entries", who="auditor", listing=True,
                    path_kind="user"),
    "by_card": call("GET", lambda w: f"/api/v1/residents/by-card/{w.card}", who="keeper",
                    fields=("id", "name", "balance"), forbidden=("resident", "lead", "auditor")),
    "create_store": call("POST", lambda w: "/api/v1/stores", who="admin", ok=201,
                         body=lambda w: {"name": "第二积分超市", "keeper_ids": [w.keeper.id]}, fields=("id", "name"),
                         forbidden=("keeper", "auditor"), kinds={"name": "text", "keeper_ids": "ids",
                                                                  "community_id": "opt_id"}),
    "create_item": call("POST", lambda w: "/api/v1/items", who="keeper", ok=201,
                        body=lambda w: {"store_id": w.store.id, "name": "食用油", "price": 30, "stock": 4,
                                        "monthly_limit": 2},
                        fields=("id", "store_id", "name", "price", "stock"), forbidden=("resident", "lead"),
                        kinds={"store_id": "id", "name": "text", "price": "int", "stock": "int",
                               "monthly_limit": "opt_int"}, idem=True,
                        other_body=lambda w: {"store_id": w.store.id, "name": "酱油", "price": 8, "stock": 4}),
    "list_items": call("GET", lambda w: f"/api/v1/items?store_id={w.store.id}", who="resident", listing=True),
    "move_stock": call("POST", lambda w: f"/api/v1/items/{w.item_id}/stock", who="keeper", ok=201,
                       body=lambda w: {"delta": 5, "kind": "donation", "donor": "王先生"},
                       fields=("id", "item_id", "delta", "kind"), forbidden=("resident", "lead", "auditor"),
                       path_kind="item", kinds={"delta": "int", "kind": "text", "donor": "opt_text"}, idem=True,
                       other_body=lambda w: {"delta": 6, "kind": "donation", "donor": "王先生"}),
    "redeem": call("POST", lambda w: "/api/v1/redemptions", who="keeper", ok=201,
                   body=lambda w: {"store_id": w.store.id, "resident_id": w.resident.id,
                                   "lines": [{"item_id": w.item_id, "quantity": 2}]},
                   fields=("id", "number", "total_points", "balance_after"), forbidden=("resident", "admin", "lead"),
                   kinds={"store_id": "id", "resident_id": "id", "lines": "lines"}, idem=True,
                   other_body=lambda w: {"store_id": w.store.id, "resident_id": w.resident.id,
                                         "lines": [{"item_id": w.item_id, "quantity": 3}]}),
    "void": call("POST", lambda w: f"/api/v1/redemptions/{w.redemption_id}/void", who="keeper",
                 body=lambda w: {"reason": "顾客退回"}, fields=("id", "status"), forbidden=("resident", "lead"),
                 path_kind="redemption", kinds={"reason": "text"}, idem=True,
                 other_body=lambda w: {"reason": "另一个原因"}),
    "get_redemption": call("GET", lambda w: f"/api/v1/redemptions/{w.redemption_id}", who="resident",
                           fields=("id", "number", "lines", "status", "total_points"), path_kind="redemption"),
    "audit": call("GET", lambda w: "/api/v1/audit", who="auditor", listing=True,
                  forbidden=("keeper", "resident", "lead")),
    "verify": call("GET", lambda w: "/api/v1/audit/verify", who="auditor", fields=("ok", "checked"),
                   forbidden=("keeper", "resident")),
}

BAD_VALUES = {
    "id": ["1", 1.5, True, False, [], {}, 0, -1, 2**31, 2**64, -(2**64), 1e308, "a\x00", None],
    "opt_id": ["1", 1.5, True, [], {}, 0, -1, 2**31, 2**64, 1e308],
    "int": ["5", 1.5, True, [], {}, 2**64, -(2**64), 1e308, -1e308, "x", None],
    "opt_int": ["5", 1.5, True, [], {}, 2**64, 1e308],
    "text": [5, 1.5, True, [], {}, "a\x00b", "x" * 10000, "\ud800", "", "   ", None],
    "opt_text": [5, True, [], {}, "a\x00b", "x" * 10000, "\ud800"],
    "password": [5, True, [], {}, "abc\x00defghij", "x" * 10000, "\ud800abcdefghij", "short", None],
    "ids": ["1", 1, True, {}, [True], [1.5], ["1"], [2**64], [0], [None], [999999]],
    "roles": ["admin", 1, {}, [], [1], ["wizard"], [None], ["x" * 10000]],
    "multiplier": [True, [], {}, "abc", "1e308", 1e308, 2**64, 0, -1, "NaN", "Infinity", "sNaN", "0.001",
                   "x" * 10000, "1\x00", None],
    "date": [20260501, True, [], {}, "2026-13-01", "2026-02-30", "x", "x" * 10000, "2026-05-01\x00", None],
    "lines": ["x", 1, {}, [], [1], [{}], [{"item_id": "1", "quantity": 1}], [{"item_id": 1.5, "quantity": 1}],
              [{"item_id": 2**64, "quantity": 1}], [{"item_id": 1, "quantity": 2**64}],
              [{"item_id": 1, "quantity": 1e308}], [{"item_id": 1, "quantity": True}], None],
}


def send(client, c, w, headers, *, body=..., path=None, raw=None, extra=None):
    path = path or c.path(w)
    headers = {**headers, **(extra or {})}
    if raw is not None:
        return client.open(path, method=c.method, headers=headers, data=raw, content_type="application/json")
    if body is ...:
        body = c.body(w) if c.body else None
    if body is None:
        return client.open(path, method=c.method, headers=headers)
    return client.open(path, method=c.method, headers=headers, json=body)


def error_code(response) -> str | None:
    data = response.get_json(silent=True) or {}
    return (data.get("error") or {}).get("code")


def with_id(path: str, kind: str | None, new: str) -> str:
    """The path with its object id replaced."""
    parts = path.split("?")[0].split("/")
    index = {"team": 4, "hours": 4, "user": 4, "item": 4, "redemption": 4}[kind]
    parts[index] = new
    return "/".join(parts)


def count_events(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()


@pytest.mark.parametrize("name", list(CALLS))
def test_every_call_keeps_its_contract(app, client, name):
    c = CALLS[name]
    w = world(app, client)
    own = w.h[c.who]

    # 401: no token, garbage, an expired one, another scheme; also before a malformed body
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Bearer "},
                    {"Authorization": "Basic YWRtaW46eA=="}, {"Authorization": "Bearer " + "x" * 5000},
                    expired_headers(app, getattr(w, c.who))):
        response = send(client, c, w, headers)
        assert response.status_code == 401 and error_code(response) == "not_signed_in", (headers, response.json)
        assert response.json["error"]["message"]
    if c.method != "GET":
        response = send(client, c, w, {}, raw=b"{bad")
        assert response.status_code == 401 and error_code(response) == "not_signed_in"

    # 403: a wrong role, before any look at the body
    for who in c.forbidden:
        for raw in (None, b"{bad", b"[]"):
            response = send(client, c, w, w.h[who], raw=raw)
            assert response.status_code == 403 and error_code(response) == "forbidden", (who, raw, response.json)
        if c.path_kind:  # 403 before 404: a wrong role learns nothing about the object
            response = send(client, c, w, w.h[who], path=with_id(c.path(w), c.path_kind, "999999"), raw=b"{bad")
            assert response.status_code == 403, (who, response.json)

    # 404: unknown path ids, before the body is looked at
    if c.path_kind:
        for bad in HUGE_IDS:
            path = with_id(c.path(w), c.path_kind, bad)
            for raw in (None, b"{bad", b"[]"):
                response = send(client, c, w, w.h["admin"], path=path, raw=raw)
                assert response.status_code == 404 and error_code(response) == "not_found", (path, raw, response.json)
        assert client.get(with_id(c.path(w), c.path_kind, "-1"), headers=own).status_code == 404

    # 400: bodies that are not one JSON object
    if c.body:
        for raw in MALFORMED:
            response = send(client, c, w, own, raw=raw)
            assert response.status_code == 400 and error_code(response) == "malformed_json", (raw[:20], response.json)

    # 422: every field with every wrong value, and missing required fields
    events = count_events(app)
    for field, kind in c.kinds.items():
        for value in BAD_VALUES[kind]:
            body = {**c.body(w), field: value}
            response = send(client, c, w, own, body=body)
            assert response.status_code == 422, (field, repr(value)[:40], response.status_code, response.json)
            assert error_code(response) == "validation_failed"
            assert any(f.startswith(field) for f in response.json["error"]["fields"]), (field, response.json)
        if not kind.startswith("opt") and kind not in ("ids", "roles"):  # roles and id lists have defaults
            body = {k: v for k, v in c.body(w).items() if k != field}
            response = send(client, c, w, own, body=body)
            assert response.status_code == 422 and field in response.json["error"]["fields"], (field, response.json)
    if c.kinds:  # several bad fields: each is named
        body = {**c.body(w), **{f: {"x": 1} for f in c.kinds}}
        response = send(client, c, w, own, body=body)
        assert response.status_code == 422 and set(c.kinds) <= set(response.json["error"]["fields"]), response.json
        assert count_events(app) == events, "a refused call saved something"

    # lists: limit, cursor, shape
    if c.listing:
        sep = "&" if "?" in c.path(w) else "?"
        for query in ("limit=0", "limit=201", "limit=abc", "limit=-1", "limit=1.5", "limit=%C2%B2", "limit=" + "9" * 40,
                      "cursor=abc", "cursor=-1", "cursor=%C2%B2", "cursor=%D9%A1", "cursor=2147483648",
                      "cursor=99999999999999999999", "cursor=" + "9" * 5000, "cursor=1.5", "cursor=%00"):
            response = client.get(c.path(w) + sep + query, headers=own)
            assert response.status_code == 422 and error_code(response) == "validation_failed", (query, response.json)
            assert query.split("=")[0] in response.json["error"]["fields"]
        response = client.get(c.path(w) + sep + "limit=200", headers=own)
        assert response.status_code == 200 and set(response.json) >= {"items", "next"}
        page = client.get(c.path(w) + sep + "limit=1", headers=own).json
        if page["next"] is not None:
            following = client.get(c.path(w) + sep + "limit=1&cursor=" + page["next"], headers=own)
            assert following.status_code == 200 and following.json["items"][0] != page["items"][0]

    # success, with the fields the contract names
    response = send(client, c, w, own)
    assert response.status_code == c.ok, response.json
    data = response.json
    if c.listing:
        assert set(data) >= {"items", "next"} and isinstance(data["items"], list)
    for field in c.fields:
        assert field in data, (field, data)


@pytest.mark.parametrize("name", [n for n, c in CALLS.items() if c.idem])
def test_idempotency_keys_replay_refuse_conflicts_and_belong_to_caller_and_path(app, client, name):
    c = CALLS[name]
    w = world(app, client)
    own = w.h[c.who]

    too_long = send(client, c, w, own, extra={"Idempotency-Key": "k" * 101})
    assert too_long.status_code == 422 and "Idempotency-Key" in too_long.json["error"]["fields"]
    if c.body:  # a refused call is not remembered
        refused = send(client, c, w, own, body={**c.body(w), **{f: {"x": 1} for f in c.kinds}},
                       extra={"Idempotency-Key": "k" * 100})
        assert refused.status_code == 422
    first = send(client, c, w, own, extra={"Idempotency-Key": "k" * 100})
    assert first.status_code == c.ok, first.json
    events = count_events(app)
    again = send(client, c, w, own, extra={"Idempotency-Key": "k" * 100})
    assert again.status_code == first.status_code and again.json == first.json
    assert count_events(app) == events, "a replay changed something"

    other = send(client, c, w, own, body=c.other_body(w), extra={"Idempotency-Key": "k" * 100})
    assert other.status_code == 409 and error_code(other) == "idempotency_conflict", other.json
    # the conflict comes after 403, 400 and 422
    response = send(client, c, w, own, raw=b"{bad", extra={"Idempotency-Key": "k" * 100})
    assert response.status_code == 400 or not c.body, response.json
    if c.kinds:
        response = send(client, c, w, own, body={**c.body(w), **{f: {"x": 1} for f in c.kinds}},
                        extra={"Idempotency-Key": "k" * 100})
        assert response.status_code == 422, response.json
    if c.forbidden:
        response = send(client, c, w, w.h[c.forbidden[0]], extra={"Idempotency-Key": "k" * 100})
        assert response.status_code == 403
    assert count_events(app) == events


def test_keys_are_per_caller_and_per_path(app, client):
    w = world(app, client)
    body = {"user_id": w.other.id, "points": 5, "reason": "补发"}
    key = {"Idempotency-Key": "same"}
    first = client.post("/api/v1/adjustments", headers={**w.h["admin"], **key}, json=body)
    by_other_admin = client.post("/api/v1/adjustments", headers={**w.h["admin2"], **key}, json=body)
    assert first.status_code == by_other_admin.status_code == 201
    assert first.json["id"] != by_other_admin.json["id"]
    commendation = client.post("/api/v1/commendations", headers={**w.h["admin"], **key},
                               json={"user_id": w.other.id, "type": "good_deed", "reason": "补发"})
    assert commendation.status_code == 201, commendation.json
    approved = client.post(f"/api/v1/hours/{w.pending_id}/approve", headers={**w.h["admin"], **key})
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    balance = client.get(f"/api/v1/accounts/{w.other.id}", headers=w.h["admin"]).json["balance"]
    replay = client.post("/api/v1/adjustments", headers={**w.h["admin"], **key}, json=body)
    assert replay.json == first.json
    assert client.get(f"/api/v1/accounts/{w.other.id}", headers=w.h["admin"]).json["balance"] == balance
    # a second redemption by the same keeper and key on another path is new, not a replay
    voided = client.post(f"/api/v1/redemptions/{w.redemption_id}/void", headers={**w.h["keeper"], **key},
                         json={"reason": "退回"})
    assert voided.status_code == 200 and voided.json["status"] == "voided"


def test_resident_sees_only_their_own_account_and_redemptions(app, client):
    w = world(app, client)
    for path in (f"/api/v1/accounts/{w.resident.id}", f"/api/v1/accounts/{w.resident.id}/entries",
                 f"/api/v1/redemptions/{w.redemption_id}"):
        assert client.get(path, headers=w.h["resident"]).status_code == 200
        for who in ("other", "lead"):
            response = client.get(path, headers=w.h[who])
            assert response.status_code == 404 and error_code(response) == "not_found"
        assert client.get(path, headers=w.h["admin"]).status_code == 200
    entries = client.get(f"/api/v1/accounts/{w.resident.id}/entries", headers=w.h["resident"]).json["items"]
    assert entries and set(entries[0]) >= {"id", "at", "points", "kind", "balance_after", "memo"}
    assert entries[0]["points"] == -10  # newest first: the redemption


def test_lead_of_another_team_and_self_logging_are_refused_in_order(app, client):
    w = world(app, client)
    members = client.post(f"/api/v1/teams/{w.team_id}/members", headers=w.h["other_lead"], data=b"{bad",
                          content_type="application/json")
    assert members.status_code == 403 and error_code(members) == "not_team_lead"
    hours = client.post("/api/v1/hours", headers=w.h["other_lead"],
                        json={"activity_id": w.activity_id, "volunteer_id": w.extra.id, "minutes": "x"})
    assert hours.status_code == 403 and error_code(hours) == "not_team_lead"
    own = client.post("/api/v1/hours", headers=w.h["lead"],
                      json={"activity_id": w.activity_id, "volunteer_id": w.lead.id, "minutes": "x"})
    assert own.status_code == 403 and error_code(own) == "self_logging_forbidden"
    activity = client.post("/api/v1/activities", headers=w.h["other_lead"], json={
        "team_id": w.team_id, "title": "x", "date": "bad", "difficulty": "normal"})
    assert activity.status_code == 403 and error_code(activity) == "not_team_lead"
    outsider = client.post("/api/v1/hours", headers=w.h["lead"],
                           json={"activity_id": w.activity_id, "volunteer_id": w.outsider.id, "minutes": 30})
    assert outsider.status_code == 422 and error_code(outsider) == "not_team_member"
    duplicate = client.post("/api/v1/hours", headers=w.h["lead"],
                            json={"activity_id": w.activity_id, "volunteer_id": w.resident.id, "minutes": 30})
    assert duplicate.status_code == 409 and error_code(duplicate) == "duplicate_record"
    unknown = client.post("/api/v1/hours", headers=w.h["admin"],
                          json={"activity_id": 999999, "volunteer_id": 999998, "minutes": 30})
    assert unknown.status_code == 422 and {"activity_id", "volunteer_id"} <= set(unknown.json["error"]["fields"])


def test_decided_records_and_voided_redemptions_conflict(app, client):
    w = world(app, client)
    again = client.post(f"/api/v1/hours/{w.approved_id}/approve", headers=w.h["admin"])
    assert again.status_code == 409 and error_code(again) == "already_decided"
    reject = client.post(f"/api/v1/hours/{w.approved_id}/reject", headers=w.h["admin"], json={"reason": "x"})
    assert reject.status_code == 409 and error_code(reject) == "already_decided"
    pending_reverse = client.post(f"/api/v1/hours/{w.pending_id}/reverse", headers=w.h["admin"], json={"reason": "x"})
    assert pending_reverse.status_code == 409
    first = client.post(f"/api/v1/hours/{w.approved_id}/reverse", headers=w.h["admin"], json={"reason": "x"})
    assert first.status_code == 200
    second = client.post(f"/api/v1/hours/{w.approved_id}/reverse", headers=w.h["admin"], json={"reason": "x"})
    assert second.status_code == 409 and error_code(second) == "already_reversed"
    void = client.post(f"/api/v1/redemptions/{w.redemption_id}/void", headers=w.h["keeper"], json={"reason": "x"})
    assert void.status_code == 200
    twice = client.post(f"/api/v1/redemptions/{w.redemption_id}/void", headers=w.h["admin"], json={"reason": "x"})
    assert twice.status_code == 409 and error_code(twice) == "already_voided"
    too_much = client.post("/api/v1/redemptions", headers=w.h["keeper"], json={
        "store_id": w.store.id, "resident_id": w.resident.id, "lines": [{"item_id": w.item_id, "quantity": 999}]})
    assert too_much.status_code == 409 and error_code(too_much) in ("out_of_stock", "insufficient_points")
    poor = client.post("/api/v1/redemptions", headers=w.h["keeper"], json={
        "store_id": w.store.id, "resident_id": w.outsider.id, "lines": [{"item_id": w.item_id, "quantity": 1}]})
    assert poor.status_code == 409 and error_code(poor) == "insufficient_points"
    unknown = client.post("/api/v1/redemptions", headers=w.h["keeper"], json={
        "store_id": 999999, "resident_id": 999998, "lines": [{"item_id": 999997, "quantity": 1}]})
    assert unknown.status_code == 422 and {"store_id", "resident_id"} <= set(unknown.json["error"]["fields"])


@pytest.mark.parametrize("code", ["JF0000", "nonsense", "%00", "JF" + "2" * 13, "x" * 300, "%C2%B2", "%F0%9F%98%80"])
def test_unknown_cards_are_invalid_card(app, client, code):
    keeper = make_user(app, "store_keeper")
    response = client.get(f"/api/v1/residents/by-card/{code}", headers=bearer(app, keeper))
    assert response.status_code == 404 and error_code(response) == "invalid_card"


def test_query_filters_reject_bad_values(app, client):
    admin = make_user(app, "admin")
    headers = bearer(app, admin)
    for query in ("q=%00", "q=" + "x" * 101, "q=a%01b"):
        response = client.get("/api/v1/users?" + query, headers=headers)
        assert response.status_code == 422 and "q" in response.json["error"]["fields"], query
    for query in ("q=", "q=%E5%BC%A0", "q=%25", "q=_", "q=138", "q=%C2%B2%C2%B2%C2%B2"):
        assert client.get("/api/v1/users?" + query, headers=headers).status_code == 200, query
    for query in ("store_id=abc", "store_id=-1", "store_id=%C2%B2", "store_id=2147483648",
                  "store_id=99999999999999999999", "store_id=1.5", "store_id=%00"):
        response = client.get("/api/v1/items?" + query, headers=headers)
        assert response.status_code == 422 and "store_id" in response.json["error"]["fields"], query
    assert client.get("/api/v1/items?store_id=999999", headers=headers).json == {"items": [], "next": None}
    for query in ("actor_id=abc", "actor_id=0", "actor_id=2147483648", "actor_id=99999999999999999999",
                  "actor_id=%C2%B2", "action=%00", "action=" + "a" * 61, "action=a%20b", "since=yesterday",
                  "since=2026-13-01", "since=0001-01-01", "since=9999-12-31", "since=%00",
                  "since=2026-05-01T10:00:00", "since=" + "9" * 100):
        response = client.get("/api/v1/audit?" + query, headers=headers)
        assert response.status_code in (200, 422), (query, response.json)
        if response.status_code == 422:
            assert query.split("=")[0] in response.json["error"]["fields"]
    for query in ("actor_id=1", "action=auth.", "action=user.created", "since=2026-05-01",
                  "since=2026-05-01T10:00:00%2B08:00", "since=2026-05-01T10:00:00Z"):
        response = client.get("/api/v1/audit?" + query, headers=headers)
        assert response.status_code == 200 and set(response.json) >= {"items", "next"}, query


def test_tokens_sign_in_refuse_bad_input_and_throttle(app, client):
    user = make_user(app)
    response = client.post("/api/v1/tokens", json={"username": user.username, "password": user.password})
    assert response.status_code == 201 and set(response.json) >= {"token", "expires_at"}
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {response.json['token']}"})
    assert me.status_code == 200 and me.json["id"] == user.id
    for raw in MALFORMED:
        bad = client.post("/api/v1/tokens", data=raw, content_type="application/json")
        assert bad.status_code == 400 and error_code(bad) == "malformed_json", raw[:10]
    for body in ({}, {"username": user.username}, {"password": "x" * 8}, {"username": 5, "password": "x" * 8},
                 {"username": user.username, "password": 12345678}, {"username": "a\x00", "password": "x" * 8},
                 {"username": user.username, "password": "\ud800" * 8}, {"username": "\ud800", "password": "x" * 8},
                 {"username": "x" * 10000, "password": "x" * 8}, {"username": user.username, "password": "x" * 10000},
                 {"username": [], "password": {}}, {"username": None, "password": None}):
        bad = client.post("/api/v1/tokens", json=body)
        assert bad.status_code == 422 and error_code(bad) == "validation_failed", (body, bad.json)
    wrong = client.post("/api/v1/tokens", json={"username": user.username, "password": "wrong-password"})
    assert wrong.status_code == 401 and error_code(wrong) == "invalid_credentials"
    nobody = client.post("/api/v1/tokens", json={"username": "nobody-here", "password": "wrong-password"})
    assert nobody.status_code == 401 and error_code(nobody) == "invalid_credentials"
    for _ in range(10):
        client.post("/api/v1/tokens", json={"username": user.username, "password": "wrong-password"})
    limited = client.post("/api/v1/tokens", json={"username": user.username, "password": user.password})
    assert limited.status_code == 429 and error_code(limited) == "rate_limited"


def test_successful_sign_ins_do_not_count_towards_the_limit(app, client):
    user = make_user(app)
    for _ in range(12):
        ok = client.post("/api/v1/tokens", json={"username": user.username, "password": user.password})
        assert ok.status_code == 201


def test_health_and_the_openapi_document_list_every_call(app, client):
    assert client.get("/healthz").status_code == 200 and client.get("/healthz").json == {"status": "ok"}
    doc = client.get("/api/v1/openapi.json")
    assert doc.status_code == 200 and doc.json["openapi"].startswith("3.")
    paths = doc.json["paths"]
    wanted = set(API_CALLS)  # every call of API.md, listed once in test_openapi.py
    listed = {(method, path) for path, ops in paths.items() for method in ops}
    assert wanted <= listed, wanted - listed
    json.dumps(doc.json)  # plain JSON all the way down


def test_unknown_api_paths_and_methods_answer_json(app, client):
    admin = make_user(app, "admin")
    missing = client.get("/api/v1/nothing-here", headers=bearer(app, admin))
    assert missing.status_code == 404 and error_code(missing) == "not_found"
    wrong_method = client.delete("/api/v1/me", headers=bearer(app, admin))
    assert wrong_method.status_code == 405 and error_code(wrong_method)


def test_errors_speak_chinese_when_asked(app, client):
    admin = make_user(app, "admin")
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}

    def chinese(text: str) -> bool:
        return any("\u4e00" <= ch <= "\u9fff" for ch in text)

    unsigned = client.get("/api/v1/me", headers=zh)
    assert unsigned.status_code == 401 and chinese(unsigned.json["error"]["message"])
    headers = {**bearer(app, admin), **zh}
    bad = client.post("/api/v1/adjustments", headers=headers, json={"user_id": "x", "points": 1.5, "reason": 5})
    assert bad.status_code == 422 and chinese(bad.json["error"]["message"])
    assert set(bad.json["error"]["fields"]) == {"user_id", "points", "reason"}
    assert all(chinese(message) for message in bad.json["error"]["fields"].values()), bad.json
    malformed = client.post("/api/v1/adjustments", headers=headers, data=b"{", content_type="application/json")
    assert malformed.status_code == 400 and chinese(malformed.json["error"]["message"])
    missing = client.post("/api/v1/hours/999999/approve", headers=headers)
    assert missing.status_code == 404 and chinese(missing.json["error"]["message"])
    listing = client.get("/api/v1/audit?limit=0&cursor=x", headers=headers)
    assert all(chinese(m) for m in listing.json["error"]["fields"].values())
    header = client.post("/api/v1/adjustments", headers={**headers, "Idempotency-Key": "k" * 101},
                         json={"user_id": admin.id, "points": 1, "reason": "x"})
    assert header.status_code == 422 and all(chinese(m) for m in header.json["error"]["fields"].values())
    english = client.get("/api/v1/me", headers={"Accept-Language": "en"})
    assert not chinese(english.json["error"]["message"])


@pytest.mark.parametrize("path", ["/api/v1/communities", "/api/v1/teams", "/api/v1/stores"])
def test_a_taken_name_is_refused_whatever_its_letters(app, client, path):
    headers = bearer(app, make_user(app, "admin"))
    for name in ("Élan Ü", "ÉLAN ü", "élan ü", "民生 Ü"):  # SQL lower() folds ASCII only
        first = client.post(path, headers=headers, json={"name": name})
        again = client.post(path, headers=headers, json={"name": name})
        assert first.status_code in (201, 422) and again.status_code == 422, (name, first.json, again.json)
        assert "name" in again.json["error"]["fields"]


def test_lone_surrogates_are_refused_also_under_an_idempotency_key(app, client):
    admin = make_user(app, "admin")
    other = make_user(app)
    headers = {**bearer(app, admin), "Idempotency-Key": "surrogate"}
    raw = b'{"user_id": %d, "points": 5, "reason": "\\ud800"}' % other.id
    response = client.post("/api/v1/adjustments", headers=headers, data=raw, content_type="application/json")
    assert response.status_code == 422 and "reason" in response.json["error"]["fields"]
    fine = client.post("/api/v1/adjustments", headers=headers, json={"user_id": other.id, "points": 5, "reason": "ok"})
    assert fine.status_code == 201
    nested = client.post("/api/v1/adjustments", headers=headers, data=b'{"reason": ' + b"[" * 100000 + b"]" * 100000
                         + b"}", content_type="application/json")
    assert nested.status_code == 400 and error_code(nested) == "malformed_json"


def test_a_path_id_past_the_32_bit_range_still_checks_the_caller_first(app):
    client = app.test_client()
    assert client.post("/api/v1/hours/2147483648/approve", json={}).get_json()["error"]["code"] == "not_signed_in"
    admin = make_user(app, "admin")
    response = client.post("/api/v1/hours/99999999999999999999/approve", json={}, headers=bearer(app, admin))
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
