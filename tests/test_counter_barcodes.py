"""Item barcodes: set on the item page by its keeper or an admin, scanned at the counter."""

import json
import re

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from extensions import db
from redemption.models import Item
from tests.factories import make_user, sign_in
from tests.factories_store import counter_setup, make_item


def barcode_of(app, item_id: int):
    with app.app_context():
        return db.session.get(Item, item_id).barcode


def test_a_keeper_sets_a_barcode_and_the_counter_knows_it(app, client):
    setup = counter_setup(app, points=50)
    sign_in(client, setup.keeper)
    response = client.post(f"/store/items/{setup.item_id}/barcode", data={"barcode": " 6901234567892 "})
    assert response.status_code == 303
    assert barcode_of(app, setup.item_id) == "6901234567892"
    with app.app_context():
        event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "item.barcode_set")).scalar_one()
        assert json.loads(event.after) == {"barcode": "6901234567892"}
    html = client.get(f"/store/counter?resident={setup.resident.id}").get_data(as_text=True)
    data = json.loads(re.search(r'id="basket-data">(.*?)</script>', html, re.S).group(1))
    assert [i["barcode"] for i in data["items"]] == ["6901234567892"]


def test_an_empty_barcode_removes_it(app, client):
    setup = counter_setup(app)
    sign_in(client, setup.keeper)
    client.post(f"/store/items/{setup.item_id}/barcode", data={"barcode": "12345678"})
    assert client.post(f"/store/items/{setup.item_id}/barcode", data={"barcode": ""}).status_code == 303
    assert barcode_of(app, setup.item_id) is None


@pytest.mark.parametrize("bad", ["12345", "123456789012345", "69012345abc", "６９０１２３４５", "1234 5678", "\x00123456"])
def test_a_barcode_that_is_not_6_to_14_ascii_digits_is_refused(app, client, bad):
    setup = counter_setup(app)
    sign_in(client, setup.keeper)
    response = client.post(f"/store/items/{setup.item_id}/barcode", data={"barcode": bad})
    assert response.status_code == 422
    assert "A barcode is 6 to 14 digits." in response.get_data(as_text=True)
    assert barcode_of(app, setup.item_id) is None


def test_two_items_of_one_store_cannot_share_a_barcode_but_two_stores_can(app, client):
    setup = counter_setup(app)
    second = make_item(app, setup.store.id)
    other = counter_setup(app)
    sign_in(client, setup.keeper)
    client.post(f"/store/items/{setup.item_id}/barcode", data={"barcode": "6901234567892"})
    response = client.post(f"/store/items/{second}/barcode", data={"barcode": "6901234567892"})
    assert response.status_code == 422
    assert "Another item of this store has this barcode." in response.get_data(as_text=True)
    assert barcode_of(app, second) is None
    client.post("/sign-out")
    sign_in(client, other.keeper)
    assert client.post(f"/store/items/{other.item_id}/barcode", data={"barcode": "6901234567892"}).status_code == 303


def test_a_keeper_of_another_store_or_a_resident_cannot_set_a_barcode(app, client):
    setup = counter_setup(app)
    stranger = make_user(app, "store_keeper")
    sign_in(client, stranger)
    assert client.post(f"/store/items/{setup.item_id}/barcode", data={"barcode": "12345678"}).status_code == 403
    client.post("/sign-out")
    sign_in(client, setup.resident)
    assert client.post(f"/store/items/{setup.item_id}/barcode", data={"barcode": "12345678"}).status_code == 403
    assert barcode_of(app, setup.item_id) is None
    assert client.post("/store/items/99999999999/barcode", data={"barcode": "12345678"}).status_code == 403
