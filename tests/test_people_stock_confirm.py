"""A write-off (and any large booking) shows the item, the change and the stock after before it is booked."""

import pytest

from tests.factories import sign_in
from tests.factories_store import counter_setup, stock_of

KEY = "a" * 32


def post_stock(client, item_id: int, **data):
    return client.post(f"/store/items/{item_id}/stock", data={"idempotency_key": KEY, **data})


def test_a_write_off_asks_first_naming_the_item_the_change_and_the_stock_after(app, client):
    setup = counter_setup(app, stock=20)
    sign_in(client, setup.keeper)

    step = post_stock(client, setup.item_id, kind="adjustment", delta="-15", reason="过期报损")

    html = step.get_data(as_text=True)
    assert step.status_code == 200 and 'id="stock-confirm"' in html
    assert "Write off stock?" in html and "−15" in html and '<strong id="stock-after">5</strong>' in html
    assert "过期报损" in html
    assert stock_of(app, setup.item_id) == 20

    done = post_stock(client, setup.item_id, kind="adjustment", delta="-15", reason="过期报损", confirmed="1")
    again = post_stock(client, setup.item_id, kind="adjustment", delta="-15", reason="过期报损", confirmed="1")

    assert done.status_code == 303 and again.status_code == 303  # a double click books once
    assert stock_of(app, setup.item_id) == 5
    assert "stock is now 5" in client.get(done.headers["Location"]).get_data(as_text=True)


def test_a_large_donation_is_confirmed_and_a_small_one_is_booked_at_once(app, client):
    setup = counter_setup(app, stock=5)
    sign_in(client, setup.keeper)

    small = client.post(f"/store/items/{setup.item_id}/stock",
                        data={"idempotency_key": "b" * 32, "kind": "donation", "delta": "4", "donor": "爱心商家"})
    large = client.post(f"/store/items/{setup.item_id}/stock",
                        data={"idempotency_key": "c" * 32, "kind": "donation", "delta": "500", "donor": "爱心商家"})

    assert small.status_code == 303
    assert large.status_code == 200 and "Book this stock change?" in large.get_data(as_text=True)
    assert stock_of(app, setup.item_id) == 9


def test_a_write_off_below_zero_is_refused_without_a_confirm_step(app, client):
    setup = counter_setup(app, stock=5)
    sign_in(client, setup.keeper)
    response = post_stock(client, setup.item_id, kind="adjustment", delta="-9", reason="盘点")
    assert response.status_code == 409 and 'id="stock-confirm"' not in response.get_data(as_text=True)
    assert "Not enough stock of " in response.get_data(as_text=True)
    assert stock_of(app, setup.item_id) == 5


@pytest.mark.parametrize("delta", ["-٣", "－5", "1e3", "-99999999999999999"])
def test_odd_quantities_are_refused_before_any_confirm_step(app, client, delta):
    setup = counter_setup(app, stock=5)
    sign_in(client, setup.keeper)
    response = post_stock(client, setup.item_id, kind="adjustment", delta=delta, reason="盘点")
    assert response.status_code == 422
    assert stock_of(app, setup.item_id) == 5
