"""The counter cannot charge the wrong person: found by card or search, no self-service, refusals that name goods."""

import re

import sqlalchemy as sa

from audit.models import AuditEvent
from extensions import db
from redemption.models import Redemption
from tests.factories import make_user, sign_in
from tests.factories_store import counter_setup, give_points, make_item, make_store, stock_of
from tests.test_store_pages import balance, counter_form, page_key, redeem_post, redemption_count


def identify(client, code: str):
    return client.post("/store/counter/identify", data={"code": code})


def only_redemption(app) -> Redemption:
    with app.app_context():
        r = db.session.execute(sa.select(Redemption)).scalar_one()
        db.session.expunge(r)
        return r


def test_a_redemption_after_scanning_the_card_is_found_by_card_with_no_warning(app, client):
    setup = counter_setup(app, points=100)
    sign_in(client, setup.keeper)
    identify(client, setup.resident.card_code)
    html = client.get(f"/store/counter?resident={setup.resident.id}").get_data(as_text=True)
    assert "Identified by search, no card scanned" not in html
    response = redeem_post(client, setup, page_key(html), quantity=1)
    assert response.status_code == 303
    assert only_redemption(app).found_by == "card"
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Identified by search, no card scanned" not in receipt


def test_a_resident_picked_from_search_is_flagged_at_the_counter_and_on_the_receipt(app, client):
    setup = counter_setup(app, points=100)
    sign_in(client, setup.keeper)
    html = client.get(f"/store/counter?resident={setup.resident.id}").get_data(as_text=True)
    assert 'id="found-by-search"' in html and "Identified by search, no card scanned" in html
    response = redeem_post(client, setup, page_key(html), quantity=1)
    assert response.status_code == 303
    assert only_redemption(app).found_by == "search"
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="receipt-found-by"' in receipt and "Identified by search, no card scanned" in receipt


def test_a_card_scanned_for_someone_else_does_not_make_a_search_count_as_a_card(app, client):
    setup = counter_setup(app, points=100)
    other = make_user(app)
    sign_in(client, setup.keeper)
    identify(client, other.card_code)  # the card of another resident
    key = counter_form(client, setup)  # then this resident picked by id
    redeem_post(client, setup, key, quantity=1)
    assert only_redemption(app).found_by == "search"


def test_a_keeper_scanning_their_own_card_is_refused_clearly(app, client):
    keeper = make_user(app, "store_keeper")
    make_store(app, keeper.id)
    sign_in(client, keeper)
    response = identify(client, keeper.card_code)
    assert response.status_code == 403
    assert "You cannot redeem for yourself" in response.get_data(as_text=True)
    opened = client.get(f"/store/counter?resident={keeper.id}")
    assert opened.status_code == 403
    assert 'id="basket-form"' not in opened.get_data(as_text=True)


def test_a_keeper_posting_a_basket_for_themselves_is_refused_and_nothing_moves(app, client):
    keeper = make_user(app, "store_keeper")
    store = make_store(app, keeper.id)
    item_id = make_item(app, store.id, price=10, stock=5)
    give_points(app, keeper.id, 50)
    sign_in(client, keeper)
    response = client.post("/store/counter/redeem", data={
        "idempotency_key": "a" * 32, "resident_id": keeper.id, "store_id": store.id, f"qty-{item_id}": 1})
    assert response.status_code == 403
    assert "You cannot redeem for yourself" in response.get_data(as_text=True)
    assert redemption_count(app) == 0 and balance(app, keeper.id) == 50 and stock_of(app, item_id) == 5


def test_another_keeper_may_serve_a_keeper(app, client):
    setup = counter_setup(app, points=0)
    colleague = make_user(app, "store_keeper")
    give_points(app, colleague.id, 30)
    sign_in(client, setup.keeper)
    identify(client, colleague.card_code)
    html = client.get(f"/store/counter?resident={colleague.id}").get_data(as_text=True)
    response = client.post("/store/counter/redeem", data={
        "idempotency_key": page_key(html), "resident_id": colleague.id, "store_id": setup.store.id,
        f"qty-{setup.item_id}": 1})
    assert response.status_code == 303
    assert balance(app, colleague.id) == 20


def test_a_card_scanned_while_the_basket_was_open_is_served_after_the_receipt(app, client):
    setup = counter_setup(app, points=100)
    next_one = make_user(app, name="李秀英")
    sign_in(client, setup.keeper)
    identify(client, setup.resident.card_code)
    key = counter_form(client, setup)
    response = client.post("/store/counter/redeem", data={
        "idempotency_key": key, "resident_id": setup.resident.id, "store_id": setup.store.id,
        f"qty-{setup.item_id}": 1, "next_code": next_one.card_code})
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="/store/counter?resident={next_one.id}"' in receipt
    assert "李*英" in receipt and "card scanned" in receipt
    html = client.get(f"/store/counter?resident={next_one.id}").get_data(as_text=True)
    assert "Identified by search" not in html  # their card was scanned: found by card


def test_a_bad_next_card_is_ignored_and_the_receipt_offers_the_plain_next_resident(app, client):
    setup = counter_setup(app, points=100)
    sign_in(client, setup.keeper)
    key = counter_form(client, setup)
    response = client.post("/store/counter/redeem", data={
        "idempotency_key": key, "resident_id": setup.resident.id, "store_id": setup.store.id,
        f"qty-{setup.item_id}": 1, "next_code": "JF" + "Z" * 70})
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="serve-next"' not in receipt
    assert 'href="/store/counter"' in receipt


def test_unicode_digits_in_ids_and_quantities_are_refused_not_a_server_error(app, client):
    setup = counter_setup(app, points=100)
    sign_in(client, setup.keeper)
    assert client.get("/store/counter?resident=²").status_code == 404
    assert client.get("/store/my?page=²").status_code == 200
    key = counter_form(client, setup)
    response = redeem_post(client, setup, key, quantity="²")
    assert response.status_code == 422
    assert redemption_count(app) == 0


def test_a_bad_quantity_refusal_names_the_item(app, client):
    setup = counter_setup(app, points=100)
    with app.app_context():
        from redemption.models import Item

        name = db.session.get(Item, setup.item_id).name
    sign_in(client, setup.keeper)
    response = redeem_post(client, setup, counter_form(client, setup), quantity="1.5")
    assert response.status_code == 422
    assert f"{name}: quantities must be whole numbers" in response.get_data(as_text=True)


def test_a_zero_balance_is_warned_and_every_plus_is_disabled(app, client):
    setup = counter_setup(app, points=0)
    sign_in(client, setup.keeper)
    html = client.get(f"/store/counter?resident={setup.resident.id}").get_data(as_text=True)
    assert 'id="zero-balance"' in html and "has no points" in html
    assert re.search(r'data-step="1"[^>]*disabled', html)
    assert "More than the balance" in html


def test_items_dearer_than_the_balance_have_plus_disabled_and_say_why(app, client):
    setup = counter_setup(app, points=15, price=10)
    dear = make_item(app, setup.store.id, price=20, stock=5, name="食用油")
    sign_in(client, setup.keeper)
    html = client.get(f"/store/counter?resident={setup.resident.id}").get_data(as_text=True)
    assert re.search(rf'data-target="qty-{dear}"[^>]*disabled', html)
    assert not re.search(rf'data-target="qty-{setup.item_id}"[^>]*disabled', html)
    assert 'id="zero-balance"' not in html


def test_the_audit_event_of_a_counter_redemption_is_written(app, client):
    setup = counter_setup(app, points=100)
    sign_in(client, setup.keeper)
    redeem_post(client, setup, counter_form(client, setup), quantity=1)
    with app.app_context():
        actions = db.session.execute(sa.select(AuditEvent.action)).scalars().all()
    assert "redemption.created" in actions


def test_the_counter_page_offers_the_goods_finder_and_the_switch_dialog(app, client):
    setup = counter_setup(app, points=100)
    sign_in(client, setup.keeper)
    html = client.get(f"/store/counter?resident={setup.resident.id}").get_data(as_text=True)
    assert 'id="goods-find"' in html and 'id="switch-dialog"' in html and "counter-scan.js" in html
    assert 'form="basket-form"' in html  # the quantities belong to the basket form beside them
    assert "Enter in a quantity box never confirms" in html
    assert "style=" not in html and "onclick" not in html
