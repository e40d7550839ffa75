"""Stock moves only through movements: donations, purchases, adjustments; never below zero."""

import pytest
import sqlalchemy as sa

from extensions import db
from redemption.models import Item, StockMovement
from redemption.verify import verify_store
from tests.factories import bearer, make_user
from tests.factories_store import counter_setup, make_store, stock_of


def move(app, client, person, item_id, body, key=None):
    headers = bearer(app, person)
    if key:
        headers["Idempotency-Key"] = key
    return client.post(f"/api/v1/items/{item_id}/stock", headers=headers, json=body)


def movements(app, item_id):
    with app.app_context():
        return db.session.execute(sa.select(StockMovement.kind, StockMovement.delta, StockMovement.stock_after)
                                  .where(StockMovement.item_id == item_id).order_by(StockMovement.id)).all()


def test_donations_purchases_and_adjustments_keep_stock_equal_to_movements(app, client):
    s = counter_setup(app, stock=5)
    donated = move(app, client, s.keeper, s.item_id, {"delta": 10, "kind": "donation", "donor": "爱心商家"})
    assert donated.status_code == 201, donated.json
    assert donated.json.items() >= {"item_id": s.item_id, "delta": 10, "kind": "donation", "stock_after": 15}.items()
    assert move(app, client, s.keeper, s.item_id, {"delta": 3, "kind": "purchase"}).status_code == 201
    assert move(app, client, make_user(app, "admin"), s.item_id,
                {"delta": -4, "kind": "adjustment", "reason": "盘点损耗"}).status_code == 201
    assert stock_of(app, s.item_id) == 14
    assert movements(app, s.item_id) == [("opening", 5, 5), ("donation", 10, 15), ("purchase", 3, 18),
                                         ("adjustment", -4, 14)]
    with app.app_context():
        assert verify_store() == []


def test_an_adjustment_below_zero_is_out_of_stock_and_changes_nothing(app, client):
    s = counter_setup(app, stock=5)
    response = move(app, client, s.keeper, s.item_id, {"delta": -6, "kind": "adjustment", "reason": "盘点"})
    assert response.status_code == 409 and response.json["error"]["code"] == "out_of_stock"
    assert stock_of(app, s.item_id) == 5 and len(movements(app, s.item_id)) == 1
    assert move(app, client, s.keeper, s.item_id, {"delta": -5, "kind": "adjustment", "reason": "盘点"}).json[
        "stock_after"] == 0


@pytest.mark.parametrize("body, field", [
    ({"delta": 0, "kind": "purchase"}, "delta"),
    ({"delta": -1, "kind": "purchase"}, "delta"),
    ({"delta": -1, "kind": "donation", "donor": "x"}, "delta"),
    ({"delta": 1, "kind": "donation"}, "donor"),
    ({"delta": 1, "kind": "donation", "donor": "   "}, "donor"),
    ({"delta": -1, "kind": "adjustment"}, "reason"),
    ({"delta": 1, "kind": "redemption"}, "kind"),
    ({"delta": 1, "kind": "opening"}, "kind"),
    ({"delta": 1, "kind": "void"}, "kind"),
    ({"delta": "1", "kind": "purchase"}, "delta"),
    ({"delta": True, "kind": "purchase"}, "delta"),
    ({"delta": 10**20, "kind": "purchase"}, "delta"),
    ({"delta": 1.0, "kind": "purchase"}, "delta"),
    ({"delta": 1, "kind": "purchase", "reason": "a\x00b"}, "reason"),
    ({"delta": 1, "kind": ["purchase"]}, "kind"),
    ({"kind": "purchase"}, "delta"),
])
def test_bad_stock_changes_are_refused(app, client, body, field):
    s = counter_setup(app, stock=5)
    response = move(app, client, s.keeper, s.item_id, body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert stock_of(app, s.item_id) == 5 and len(movements(app, s.item_id)) == 1


def test_who_may_move_stock(app, client):
    s = counter_setup(app, stock=5)
    other_keeper = make_user(app, "store_keeper")
    make_store(app, other_keeper.id)
    body = {"delta": 1, "kind": "purchase"}
    assert client.post(f"/api/v1/items/{s.item_id}/stock", json=body).status_code == 401
    assert move(app, client, s.resident, s.item_id, body).status_code == 403
    assert move(app, client, other_keeper, s.item_id, body).status_code == 403
    assert move(app, client, s.keeper, 999999, body).status_code == 404
    assert move(app, client, s.keeper, 10**30, body).status_code == 404
    assert move(app, client, s.keeper, 2**40, body).status_code == 404
    assert stock_of(app, s.item_id) == 5


def test_a_replayed_stock_key_books_once_and_another_body_conflicts(app, client):
    s = counter_setup(app, stock=5)
    body = {"delta": 4, "kind": "donation", "donor": "爱心商家"}
    first = move(app, client, s.keeper, s.item_id, body, key="don-1")
    again = move(app, client, s.keeper, s.item_id, body, key="don-1")
    assert first.status_code == again.status_code == 201 and first.get_data() == again.get_data()
    assert stock_of(app, s.item_id) == 9
    conflict = move(app, client, s.keeper, s.item_id, {**body, "delta": 5}, key="don-1")
    assert conflict.status_code == 409 and conflict.json["error"]["code"] == "idempotency_conflict"
    assert stock_of(app, s.item_id) == 9


def test_the_service_replays_a_movement_key(app):
    from accounts.models import User
    from core.errors import IdempotencyConflict
    from redemption import services
    s = counter_setup(app, stock=5)
    with app.app_context():
        keeper = db.session.get(User, s.keeper.id)
        change = services.StockChange(s.item_id, 2, "purchase", key="svc-stock")
        assert services.move_stock(change, keeper).id == services.move_stock(change, keeper).id
        with pytest.raises(IdempotencyConflict):
            services.move_stock(services.StockChange(s.item_id, 3, "purchase", key="svc-stock"), keeper)
    assert stock_of(app, s.item_id) == 7


def test_verify_store_finds_a_hand_edited_stock(app):
    s = counter_setup(app, stock=5)
    with app.app_context():
        assert verify_store() == []
        db.session.execute(sa.update(Item).where(Item.id == s.item_id).values(stock=50))
        db.session.commit()
        problems = verify_store()
    assert any(f"item {s.item_id}" in p and "50" in p for p in problems)
