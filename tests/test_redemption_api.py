"""Redeeming at the counter through the API: one atomic act, every refusal changes nothing."""

import pytest

from redemption.verify import verify_store
from tests.factories import bearer, make_user
from tests.factories_store import counter_setup, make_item, make_store, snapshot, stock_of, store_balance


def redeem(client, headers, store_id, resident_id, lines, key=None):
    extra = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/redemptions", headers={**headers, **extra},
                       json={"store_id": store_id, "resident_id": resident_id, "lines": lines})


def test_keeper_redeems_a_basket_and_gets_a_numbered_receipt(app, client):
    s = counter_setup(app, points=100, price=15, stock=5)
    other = make_item(app, s.store.id, price=7, stock=3)
    response = redeem(client, bearer(app, s.keeper), s.store.id, s.resident.id,
                      [{"item_id": s.item_id, "quantity": 2}, {"item_id": other, "quantity": 1}])
    assert response.status_code == 201, response.json
    body = response.json
    assert body["total_points"] == 37 and body["balance_after"] == 63 and body["status"] == "completed"
    assert body["number"].startswith("DH") and body["number"].endswith(f"-{body['id']:06d}")
    assert [(line["item_id"], line["quantity"], line["line_points"]) for line in body["lines"]] == [
        (s.item_id, 2, 30), (other, 1, 7)]
    assert stock_of(app, s.item_id) == 3 and stock_of(app, other) == 2
    assert store_balance(app, s.store.id) == 37
    with app.app_context():
        assert verify_store() == []


def test_duplicate_lines_of_one_item_are_merged(app, client):
    s = counter_setup(app, points=100, price=10, stock=5)
    response = redeem(client, bearer(app, s.keeper), s.store.id, s.resident.id,
                      [{"item_id": s.item_id, "quantity": 1}, {"item_id": s.item_id, "quantity": 2}])
    assert response.status_code == 201
    assert [(line["item_id"], line["quantity"]) for line in response.json["lines"]] == [(s.item_id, 3)]
    assert stock_of(app, s.item_id) == 2


@pytest.mark.parametrize("points, stock, limit, quantity, code", [
    (5, 5, None, 1, "insufficient_points"),
    (100, 2, None, 3, "out_of_stock"),
    (100, 5, 2, 3, "monthly_limit_exceeded"),
    (0, 0, 1, 2, "out_of_stock"),          # every problem at once: stock is checked first
    (5, 5, 1, 2, "monthly_limit_exceeded"),  # limits come before points
])
def test_refused_redemptions_change_nothing(app, client, points, stock, limit, quantity, code):
    s = counter_setup(app, points=points, price=10, stock=stock, monthly_limit=limit)
    before = snapshot(app, s.resident.id)
    response = redeem(client, bearer(app, s.keeper), s.store.id, s.resident.id,
                      [{"item_id": s.item_id, "quantity": quantity}])
    assert response.status_code == 409
    assert response.json["error"]["code"] == code
    assert snapshot(app, s.resident.id) == before


def test_monthly_limit_counts_earlier_redemptions_this_month(app, client):
    s = counter_setup(app, points=100, price=10, stock=10, monthly_limit=3)
    headers = bearer(app, s.keeper)
    assert redeem(client, headers, s.store.id, s.resident.id, [{"item_id": s.item_id, "quantity": 2}]).status_code == 201
    before = snapshot(app, s.resident.id)
    refused = redeem(client, headers, s.store.id, s.resident.id, [{"item_id": s.item_id, "quantity": 2}])
    assert refused.status_code == 409 and refused.json["error"]["code"] == "monthly_limit_exceeded"
    assert snapshot(app, s.resident.id) == before
    assert redeem(client, headers, s.store.id, s.resident.id, [{"item_id": s.item_id, "quantity": 1}]).status_code == 201


def test_a_voided_redemption_no_longer_counts_toward_the_monthly_limit(app, client):
    s = counter_setup(app, points=100, price=10, stock=10, monthly_limit=2)
    headers = bearer(app, s.keeper)
    first = redeem(client, headers, s.store.id, s.resident.id, [{"item_id": s.item_id, "quantity": 2}])
    assert redeem(client, headers, s.store.id, s.resident.id,
                  [{"item_id": s.item_id, "quantity": 1}]).json["error"]["code"] == "monthly_limit_exceeded"
    void = client.post(f"/api/v1/redemptions/{first.json['id']}/void", headers=headers, json={"reason": "错扫"})
    assert void.status_code == 200
    again = redeem(client, headers, s.store.id, s.resident.id, [{"item_id": s.item_id, "quantity": 2}])
    assert again.status_code == 201, again.json


@pytest.mark.parametrize("lines, field", [
    ([], "lines"),
    ("nope", "lines"),
    ([{"item_id": "ITEM", "quantity": 0}], "lines[0].quantity"),
    ([{"item_id": "ITEM", "quantity": 1000}], "lines[0].quantity"),
    ([{"item_id": "ITEM", "quantity": "2"}], "lines[0].quantity"),
    ([{"item_id": "ITEM", "quantity": True}], "lines[0].quantity"),
    ([{"item_id": "ITEM", "quantity": 1.5}], "lines[0].quantity"),
    ([{"item_id": "ITEM", "quantity": 10**30}], "lines[0].quantity"),
    ([{"item_id": "ITEM"}], "lines[0].quantity"),
    ([{"item_id": 987654, "quantity": 1}], "lines[0].item_id"),
    ([{"item_id": 2**62, "quantity": 1}], "lines[0].item_id"),
    ([{"item_id": "ITEM", "quantity": 1}, {"item_id": "x", "quantity": 1}], "lines[1].item_id"),
    ([{"item_id": "ITEM", "quantity": 500}, {"item_id": "ITEM", "quantity": 500}], "lines[1].quantity"),
    ([{"item_id": "ITEM", "quantity": 1}] * 51, "lines"),
    (["ITEM"], "lines[0]"),
])
def test_bad_lines_are_refused_naming_the_line(app, client, lines, field):
    s = counter_setup(app)
    lines = [{k: (s.item_id if v == "ITEM" else v) for k, v in line.items()} if isinstance(line, dict)
             else line for line in lines] if isinstance(lines, list) else lines
    before = snapshot(app, s.resident.id)
    response = redeem(client, bearer(app, s.keeper), s.store.id, s.resident.id, lines)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_failed"
    assert field in response.json["error"]["fields"]
    assert snapshot(app, s.resident.id) == before


def test_inactive_items_and_items_of_another_store_are_refused(app, client):
    s = counter_setup(app)
    inactive = make_item(app, s.store.id, active=False)
    elsewhere = make_item(app, make_store(app).id)
    headers = bearer(app, s.keeper)
    before = snapshot(app, s.resident.id)
    for item_id in (inactive, elsewhere):
        response = redeem(client, headers, s.store.id, s.resident.id,
                          [{"item_id": s.item_id, "quantity": 1}, {"item_id": item_id, "quantity": 1}])
        assert response.status_code == 422
        assert "lines[1].item_id" in response.json["error"]["fields"]
    assert snapshot(app, s.resident.id) == before


@pytest.mark.parametrize("resident", ["unknown", "inactive", "string", "bool"])
def test_unknown_or_inactive_residents_are_refused(app, client, resident):
    s = counter_setup(app)
    resident_id = {"unknown": 10**9, "string": "1", "bool": True, "inactive": s.resident.id}[resident]
    if resident == "inactive":
        from accounts.models import User
        from extensions import db
        with app.app_context():
            db.session.get(User, s.resident.id).active = False
            db.session.commit()
    response = redeem(client, bearer(app, s.keeper), s.store.id, resident_id, [{"item_id": s.item_id, "quantity": 1}])
    assert response.status_code == 422
    assert "resident_id" in response.json["error"]["fields"]


def test_malformed_json_is_a_400_and_saves_nothing(app, client):
    s = counter_setup(app)
    headers = {**bearer(app, s.keeper), "Content-Type": "application/json"}
    before = snapshot(app, s.resident.id)
    for raw in (b"{not json", b"[1, 2]", b"\xff\xfe", b""):
        response = client.post("/api/v1/redemptions", headers=headers, data=raw)
        assert response.status_code == 400 and response.json["error"]["code"] == "malformed_json"
    assert snapshot(app, s.resident.id) == before


def test_nul_characters_and_wrong_types_never_answer_500(app, client):
    s = counter_setup(app)
    headers = bearer(app, s.keeper)
    for body in ({"store_id": "\x00", "resident_id": None, "lines": {"a": 1}},
                 {"store_id": 10**40, "resident_id": -1, "lines": [None]},
                 {"store_id": s.store.id, "resident_id": s.resident.id, "lines": [{"item_id": "\x00", "quantity": []}]}):
        response = client.post("/api/v1/redemptions", headers=headers, json=body)
        assert response.status_code in (403, 422), response.json


def test_only_a_keeper_of_that_store_may_redeem(app, client):
    s = counter_setup(app)
    other_keeper = make_user(app, "store_keeper")
    make_store(app, other_keeper.id)
    admin = make_user(app, "admin")
    body = [{"item_id": s.item_id, "quantity": 1}]
    assert redeem(client, {}, s.store.id, s.resident.id, body).status_code == 401
    for person in (other_keeper, admin, s.resident):
        response = redeem(client, bearer(app, person), s.store.id, s.resident.id, body)
        assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    # forbidden comes before the validation of the rest of the body
    assert redeem(client, bearer(app, other_keeper), s.store.id, "x", []).status_code == 403


def test_replaying_an_idempotency_key_answers_the_same_and_charges_once(app, client):
    s = counter_setup(app, points=100, price=10)
    headers = bearer(app, s.keeper)
    lines = [{"item_id": s.item_id, "quantity": 2}]
    first = redeem(client, headers, s.store.id, s.resident.id, lines, key="basket-1")
    again = redeem(client, headers, s.store.id, s.resident.id, lines, key="basket-1")
    assert first.status_code == again.status_code == 201
    assert first.get_data() == again.get_data()
    after = snapshot(app, s.resident.id)
    assert after["balance"] == 80 and after["redemptions"] == 1 and after["stock"][s.item_id] == 3
    conflict = redeem(client, headers, s.store.id, s.resident.id, [{"item_id": s.item_id, "quantity": 1}],
                      key="basket-1")
    assert conflict.status_code == 409 and conflict.json["error"]["code"] == "idempotency_conflict"
    assert snapshot(app, s.resident.id) == after


def test_calls_without_a_key_are_never_merged(app, client):
    s = counter_setup(app, points=100, price=10)
    headers = bearer(app, s.keeper)
    lines = [{"item_id": s.item_id, "quantity": 1}]
    ids = {redeem(client, headers, s.store.id, s.resident.id, lines).json["id"] for _ in range(2)}
    assert len(ids) == 2
    assert snapshot(app, s.resident.id)["balance"] == 80


def test_a_refused_call_is_not_remembered_and_may_be_retried_with_its_key(app, client):
    s = counter_setup(app, points=5, price=10)
    headers = bearer(app, s.keeper)
    lines = [{"item_id": s.item_id, "quantity": 1}]
    assert redeem(client, headers, s.store.id, s.resident.id, lines, key="k1").status_code == 409
    from tests.factories_store import give_points
    give_points(app, s.resident.id, 5)
    assert redeem(client, headers, s.store.id, s.resident.id, lines, key="k1").status_code == 201


def test_the_service_replays_a_key_even_without_the_remembered_answer(app):
    from redemption import services
    s = counter_setup(app, points=100, price=10)
    with app.app_context():
        from accounts.models import User
        from extensions import db
        keeper = db.session.get(User, s.keeper.id)
        req = services.RedeemRequest(s.store.id, s.resident.id, (services.Line(s.item_id, 1),), key="svc-1")
        first = services.redeem(req, keeper).id
        assert services.redeem(req, keeper).id == first
        from core.errors import IdempotencyConflict
        with pytest.raises(IdempotencyConflict):
            services.redeem(services.RedeemRequest(s.store.id, s.resident.id, (services.Line(s.item_id, 2),),
                                                   key="svc-1"), keeper)
    assert snapshot(app, s.resident.id)["balance"] == 90


def test_who_may_read_a_redemption(app, client):
    s = counter_setup(app)
    rid = redeem(client, bearer(app, s.keeper), s.store.id, s.resident.id,
                 [{"item_id": s.item_id, "quantity": 1}]).json["id"]
    for person in (s.keeper, s.resident, make_user(app, "admin"), make_user(app, "auditor")):
        response = client.get(f"/api/v1/redemptions/{rid}", headers=bearer(app, person))
        assert response.status_code == 200 and response.json["lines"][0]["quantity"] == 1
    other_keeper = make_user(app, "store_keeper")
    make_store(app, other_keeper.id)
    for person in (make_user(app), other_keeper):
        assert client.get(f"/api/v1/redemptions/{rid}", headers=bearer(app, person)).status_code == 404
    for missing in (999999, 2**40, 10**25):
        assert client.get(f"/api/v1/redemptions/{missing}", headers=bearer(app, s.keeper)).status_code == 404
    assert client.get(f"/api/v1/redemptions/{rid}").status_code == 401
