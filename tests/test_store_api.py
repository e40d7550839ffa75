"""Stores, the catalogue and finding a resident by card, through the API."""

import pytest
import sqlalchemy as sa

from accounts.cards import ALPHABET
from extensions import db
from redemption.models import StockMovement
from redemption.verify import verify_store
from tests.factories import bearer, make_user
from tests.factories_store import give_points, make_item, make_store


def test_admin_opens_a_store_and_its_keepers_get_the_role(app, client):
    admin = make_user(app, "admin")
    keeper = make_user(app)  # a resident so far
    response = client.post("/api/v1/stores", headers=bearer(app, admin), json={"name": "幸福里积分超市",
                                                                               "keeper_ids": [keeper.id]})
    assert response.status_code == 201, response.json
    assert response.json["keeper_ids"] == [keeper.id] and response.json["account_id"]
    me = client.get("/api/v1/me", headers=bearer(app, keeper))
    if me.status_code == 200:
        assert "store_keeper" in me.json["roles"]
    again = client.post("/api/v1/stores", headers=bearer(app, admin), json={"name": "幸福里积分超市"})
    assert again.status_code == 422 and "name" in again.json["error"]["fields"]


@pytest.mark.parametrize("body, field", [
    ({"name": ""}, "name"), ({"name": "x" * 101}, "name"), ({"name": 5}, "name"),
    ({"name": "ok", "keeper_ids": [999999]}, "keeper_ids"), ({"name": "ok", "keeper_ids": "1"}, "keeper_ids"),
    ({"name": "ok", "community_id": 999999}, "community_id"), ({"name": "ok", "community_id": True}, "community_id"),
])
def test_bad_stores_are_refused(app, client, body, field):
    response = client.post("/api/v1/stores", headers=bearer(app, make_user(app, "admin")), json=body)
    assert response.status_code == 422 and field in response.json["error"]["fields"]


def test_only_admins_open_stores(app, client):
    assert client.post("/api/v1/stores", json={"name": "x"}).status_code == 401
    keeper = make_user(app, "store_keeper")
    assert client.post("/api/v1/stores", headers=bearer(app, keeper), json={"name": "x"}).status_code == 403


def test_keeper_adds_an_item_whose_opening_stock_is_a_movement(app, client):
    keeper = make_user(app, "store_keeper")
    store = make_store(app, keeper.id)
    body = {"store_id": store.id, "name": "大米 5kg", "price": 120, "stock": 8, "monthly_limit": 1}
    response = client.post("/api/v1/items", headers={**bearer(app, keeper), "Idempotency-Key": "i1"}, json=body)
    assert response.status_code == 201, response.json
    assert response.json["stock"] == 8 and response.json["monthly_limit"] == 1
    replay = client.post("/api/v1/items", headers={**bearer(app, keeper), "Idempotency-Key": "i1"}, json=body)
    assert replay.status_code == 201 and replay.get_data() == response.get_data()
    with app.app_context():
        rows = db.session.execute(sa.select(StockMovement.kind, StockMovement.delta)).all()
        assert rows == [("opening", 8)]
        assert verify_store() == []


@pytest.mark.parametrize("change, field", [
    ({"price": 0}, "price"), ({"price": 1_000_001}, "price"), ({"price": "5"}, "price"),
    ({"stock": -1}, "stock"), ({"stock": 1.5}, "stock"), ({"monthly_limit": 0}, "monthly_limit"),
    ({"name": "   "}, "name"), ({"name": "a\x00"}, "name"), ({"store_id": 999999}, "store_id"),
    ({"store_id": "1"}, "store_id"), ({"name": "重复"}, "name"),
])
def test_bad_items_are_refused(app, client, change, field):
    admin = make_user(app, "admin")
    store = make_store(app)
    make_item(app, store.id, name="重复")
    body = {"store_id": store.id, "name": "油", "price": 10, "stock": 1, **change}
    response = client.post("/api/v1/items", headers=bearer(app, admin), json=body)
    assert response.status_code == 422 and field in response.json["error"]["fields"], response.json


def test_only_admins_and_that_stores_keepers_add_items(app, client):
    keeper = make_user(app, "store_keeper")
    make_store(app, keeper.id)
    store = make_store(app)
    body = {"store_id": store.id, "name": "油", "price": 10, "stock": 1}
    for person in (keeper, make_user(app)):
        assert client.post("/api/v1/items", headers=bearer(app, person), json=body).status_code == 403


def test_residents_see_active_items_with_stock_and_keepers_see_all_of_theirs(app, client):
    keeper = make_user(app, "store_keeper")
    store = make_store(app, keeper.id)
    shown = make_item(app, store.id, stock=7)
    hidden = make_item(app, store.id, active=False)
    elsewhere = make_item(app, make_store(app).id)
    resident_view = client.get(f"/api/v1/items?store_id={store.id}", headers=bearer(app, make_user(app)))
    assert resident_view.status_code == 200
    assert [(i["id"], i["stock"]) for i in resident_view.json["items"]] == [(shown, 7)]
    keeper_view = client.get("/api/v1/items", headers=bearer(app, keeper)).json["items"]
    assert {i["id"] for i in keeper_view} == {shown, hidden, elsewhere}
    assert client.get("/api/v1/items?store_id=abc", headers=bearer(app, keeper)).status_code == 422
    assert client.get("/api/v1/items").status_code == 401
    page = client.get("/api/v1/items?limit=1", headers=bearer(app, keeper)).json
    assert len(page["items"]) == 1 and page["next"]


def test_keeper_finds_a_resident_by_card(app, client):
    keeper = make_user(app, "store_keeper")
    resident = make_user(app)
    give_points(app, resident.id, 42)
    code = resident.card_code
    found = client.get(f"/api/v1/residents/by-card/{code.lower()}", headers=bearer(app, keeper))
    assert found.status_code == 200 and found.json == {"id": resident.id, "name": resident.name, "balance": 42}
    wrong_check = code[:-1] + next(ch for ch in ALPHABET if ch != code[-1])
    for bad in (wrong_check, "JF" + "2" * 13, "nonsense", "x" * 70, "JF%00" + code[3:]):
        response = client.get(f"/api/v1/residents/by-card/{bad}", headers=bearer(app, keeper))
        assert response.status_code == 404 and response.json["error"]["code"] == "invalid_card", bad
    assert client.get(f"/api/v1/residents/by-card/{code}", headers=bearer(app, resident)).status_code == 403
    assert client.get(f"/api/v1/residents/by-card/{code}").status_code == 401
