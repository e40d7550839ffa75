"""Deductions: the type's points or the whole balance if less, never below zero, audited, on the history."""


import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from extensions import db
from notifications.models import Notification
from points.deduction_models import Deduction
from points.ledger_models import Transfer
from tests.factories import bearer, make_user, sign_in
from tests.factories_points import balance, load_user
from tests.factories_store import give_points
from tests.races import race


def post(client, app, admin, body, headers=None):
    return client.post("/api/v1/deductions", json=body, headers={**bearer(app, admin), **(headers or {})})


def test_the_seeded_types_are_listed_to_everyone_signed_in(app, client):
    resident = make_user(app)
    items = client.get("/api/v1/deduction-types", headers=bearer(app, resident)).get_json()["items"]
    assert {(t["code"], t["name"], t["points"]) for t in items} >= {("no_show", "爽约未到", 10),
                                                                     ("covenant", "违反居民公约", 20)}


def test_an_admin_adds_a_type_and_bad_ones_are_named(app, client):
    admin = make_user(app, "admin")
    headers = bearer(app, admin)
    created = client.post("/api/v1/deduction-types", json={"code": "litter", "name": "乱扔垃圾", "points": 5},
                          headers=headers)
    assert created.status_code == 201 and created.get_json()["points"] == 5
    again = client.post("/api/v1/deduction-types", json={"code": "litter", "name": "另一个", "points": 5},
                        headers=headers)
    assert again.status_code == 422 and "code" in again.get_json()["error"]["fields"]
    bad = client.post("/api/v1/deduction-types", json={"code": "Bad Code", "name": "", "points": 10001},
                      headers=headers)
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"code", "name", "points"}
    lead = make_user(app, "team_lead")
    assert client.post("/api/v1/deduction-types", json={"code": "x", "name": "x", "points": 1},
                       headers=bearer(app, lead)).status_code == 403


def test_a_deduction_below_the_balance_takes_the_types_points_with_its_reason_everywhere(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    give_points(app, resident.id, 50)
    response = post(client, app, admin, {"user_id": resident.id, "type": "no_show", "reason": "重阳节活动爽约"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["points_deducted"] == 10 and body["balance_after"] == 40 and balance(app, resident) == 40
    entry = client.get(f"/api/v1/accounts/{resident.id}/entries", headers=bearer(app, resident)).get_json()["items"][0]
    assert entry["kind"] == "deduction" and entry["points"] == -10 and "重阳节活动爽约" in entry["memo"]
    with app.app_context():
        assert db.session.execute(sa.select(Notification.kind).where(
            Notification.user_id == resident.id).order_by(Notification.id.desc())).scalars().first() == "deduction"
        event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "points.deducted")).scalar_one()
        assert event.actor_id == admin.id and '"points":10' in event.after.replace(" ", "")
    sign_in(client, resident)
    assert "重阳节活动爽约" in client.get("/history").get_data(as_text=True)


def test_at_the_balance_it_takes_everything_and_above_it_only_what_is_there(app, client):
    admin, at, above = make_user(app, "admin"), make_user(app), make_user(app)
    give_points(app, at.id, 20)
    give_points(app, above.id, 7)
    first = post(client, app, admin, {"user_id": at.id, "type": "covenant", "reason": "违反居民公约"}).get_json()
    second = post(client, app, admin, {"user_id": above.id, "type": "covenant", "reason": "违反居民公约"}).get_json()
    assert (first["points_deducted"], first["balance_after"]) == (20, 0)
    assert (second["points_deducted"], second["balance_after"]) == (7, 0)
    empty = post(client, app, admin, {"user_id": above.id, "type": "covenant", "reason": "再次违反"})
    assert empty.status_code == 409 and empty.get_json()["error"]["code"] == "insufficient_points"
    assert balance(app, above) == 0


def test_refusals_save_nothing(app, client):
    admin, lead, resident = make_user(app, "admin"), make_user(app, "team_lead"), make_user(app)
    give_points(app, resident.id, 30)
    give_points(app, admin.id, 30)
    cases = [
        (lead, {"user_id": resident.id, "type": "no_show", "reason": "x"}, 403, "forbidden"),
        (admin, {"user_id": admin.id, "type": "no_show", "reason": "x"}, 403, "forbidden"),
        (admin, {"user_id": resident.id, "type": "nope", "reason": "x"}, 422, "validation_failed"),
        (admin, {"user_id": 2**31 - 1, "type": "no_show", "reason": "x"}, 422, "validation_failed"),
        (admin, {"user_id": resident.id, "type": "no_show", "reason": ""}, 422, "validation_failed"),
        (admin, {"user_id": resident.id, "type": "no_show", "reason": "a\x00b"}, 422, "validation_failed"),
        (admin, {"user_id": "1", "type": "no_show", "reason": "x"}, 422, "validation_failed"),
        (admin, {"user_id": 10**30, "type": "no_show", "reason": "x"}, 422, "validation_failed"),
    ]
    for who, body, status, code in cases:
        response = post(client, app, who, body)
        assert (response.status_code, response.get_json()["error"]["code"]) == (status, code), body
    assert balance(app, resident) == 30 and balance(app, admin) == 30
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Deduction.id))).scalar_one() == 0


def test_the_same_idempotency_key_deducts_once(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    give_points(app, resident.id, 50)
    body = {"user_id": resident.id, "type": "no_show", "reason": "爽约"}
    first = post(client, app, admin, body, {"Idempotency-Key": "k1"})
    second = post(client, app, admin, body, {"Idempotency-Key": "k1"})
    assert first.status_code == second.status_code == 201 and first.get_json() == second.get_json()
    assert balance(app, resident) == 40
    other = post(client, app, admin, {**body, "reason": "另一个"}, {"Idempotency-Key": "k1"})
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "idempotency_conflict"


@pytest.mark.slow
def test_concurrent_deductions_never_go_below_zero_and_take_exactly_the_balance(app, database_url):
    attempts, start_balance = 8, 45  # 8 × 10 asked for, 45 there: 4 full, one of 5, the rest refused
    admin, resident = make_user(app, "admin"), make_user(app)
    give_points(app, resident.id, start_balance)
    def attempt(n: int) -> int:
        from points import deductions

        return deductions.deduct(resident.id, "no_show", "爽约", load_user(admin.id), f"race:{n}").points

    outcomes = race(database_url, attempt, attempts)
    taken = [o for o in outcomes if isinstance(o, int)]
    assert sum(taken) == start_balance and sorted(taken) == [5, 10, 10, 10, 10]
    assert outcomes.count("insufficient_points") == attempts - len(taken)
    assert balance(app, resident) == 0
    with app.app_context():
        from points.ledger_verify import verify_ledger

        assert verify_ledger() == []
        assert db.session.execute(sa.select(sa.func.sum(Transfer.amount)).where(
            Transfer.kind == "deduction")).scalar_one() == start_balance


def test_the_admin_page_confirms_first_then_deducts(app, client):
    admin, resident = make_user(app, "admin"), make_user(app, name="李秀英")
    give_points(app, resident.id, 8)
    sign_in(client, admin)
    assert client.get("/deductions").status_code == 200
    page = client.get("/deductions/new").get_data(as_text=True)
    import re

    key = re.search(r'name="idempotency_key"[^>]*value="([0-9a-f]+)"', page) or re.search(
        r'value="([0-9a-f]{32})"', page)
    data = {"person": resident.username, "type": "no_show", "reason": "爽约未到", "idempotency_key": key.group(1)}
    confirm = client.post("/deductions/new", data=data)
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "李秀英" in text and "-8" in text.replace("−", "-")
    assert balance(app, resident) == 8
    done = client.post("/deductions/new", data={**data, "confirmed": "1"})
    assert done.status_code in (302, 303)
    assert balance(app, resident) == 0
    assert client.get(done.headers["Location"]).status_code == 200
