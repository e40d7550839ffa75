"""The store's pages: the counter, receipts and voids, as a keeper and a resident see them."""

import re

import sqlalchemy as sa

from extensions import db
from points import ledger
from redemption.models import Redemption, StockMovement
from tests.factories import make_user, sign_in
from tests.factories_store import counter_setup, give_points, make_item, make_store, stock_of

KEY = re.compile(r'name="idempotency_key"[^>]*value="([0-9a-f]{32})"')


def page_key(html: str) -> str:
    found = KEY.search(html)
    assert found, "the form carries a hidden idempotency_key"
    return found.group(1)


def counter_form(client, setup) -> str:
    """Open the counter with the resident identified; the basket form's idempotency key."""
    response = client.get(f"/store/counter?resident={setup.resident.id}")
    assert response.status_code == 200
    return page_key(response.get_data(as_text=True))


def redeem_post(client, setup, key: str, quantity: int = 2, item_id=None):
    return client.post("/store/counter/redeem", data={
        "idempotency_key": key, "resident_id": setup.resident.id, "store_id": setup.store.id,
        f"qty-{item_id or setup.item_id}": quantity,
    })


def redemption_count(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count(Redemption.id))).scalar()


def balance(app, user_id: int) -> int:
    with app.app_context():
        return ledger.user_balance(user_id)


def test_counter_needs_a_store_keeper(app, client):
    resident = make_user(app)
    assert client.get("/store/counter").status_code == 302  # to sign-in
    sign_in(client, resident)
    assert client.get("/store/counter").status_code == 403


def test_counter_page_has_a_focused_scan_box_and_a_camera_button(app, client):
    setup = counter_setup(app)
    sign_in(client, setup.keeper)
    html = client.get("/store/counter").get_data(as_text=True)
    assert re.search(r'id="card-code"[^>]*autofocus', html)
    assert 'id="camera-start"' in html and "qr-scanner.umd.min.js" in html
    assert "style=" not in html and "onclick" not in html


def test_identifying_by_card_shows_the_balance_and_the_basket(app, client):
    setup = counter_setup(app, points=123)
    sign_in(client, setup.keeper)
    response = client.post("/store/counter/identify", data={"code": setup.resident.card_code.lower()})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/store/counter?resident={setup.resident.id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert setup.resident.name in html
    assert re.search(r'id="resident-balance">123<', html)
    assert f'name="qty-{setup.item_id}"' in html
    assert 'id="basket-data"' in html


def test_an_invalid_card_says_so_and_clears_the_box(app, client):
    setup = counter_setup(app)
    sign_in(client, setup.keeper)
    response = client.post("/store/counter/identify", data={"code": "JF-NOT-A-CARD"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "No resident has this card." in html
    assert "JF-NOT-A-CARD" not in html
    assert re.search(r'id="card-code"[^>]*autofocus', html)


def test_an_empty_scan_asks_for_a_card(app, client):
    setup = counter_setup(app)
    sign_in(client, setup.keeper)
    response = client.post("/store/counter/identify", data={"code": ""})
    assert response.status_code == 422
    assert "Scan a member card" in response.get_data(as_text=True)


def test_search_finds_people_by_name(app, client):
    setup = counter_setup(app)
    sign_in(client, setup.keeper)
    html = client.get("/store/counter/search", query_string={"q": setup.resident.name}).get_data(as_text=True)
    assert f"/store/counter?resident={setup.resident.id}" in html
    assert client.get("/store/counter/search?q=%00").status_code == 200


def test_unknown_or_huge_resident_ids_answer_not_found(app, client):
    setup = counter_setup(app)
    sign_in(client, setup.keeper)
    for value in ("999999", "99999999999999999999", "abc", "-1"):
        assert client.get(f"/store/counter?resident={value}").status_code == 404


def test_redeeming_redirects_to_a_receipt_and_the_same_form_twice_charges_once(app, client):
    setup = counter_setup(app, points=100, price=10, stock=5)
    sign_in(client, setup.keeper)
    key = counter_form(client, setup)
    first = redeem_post(client, setup, key, quantity=3)
    assert first.status_code == 303
    assert "/store/redemptions/" in first.headers["Location"]
    again = redeem_post(client, setup, key, quantity=3)
    assert again.headers["Location"] == first.headers["Location"]
    assert redemption_count(app) == 1
    assert balance(app, setup.resident.id) == 70
    assert stock_of(app, setup.item_id) == 2
    receipt = client.get(first.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="receipt-total">30<', receipt)
    assert re.search(r'id="receipt-balance">70<', receipt)


def test_not_enough_points_keeps_the_basket_and_charges_nothing(app, client):
    setup = counter_setup(app, points=15, price=10, stock=5)
    sign_in(client, setup.keeper)
    response = redeem_post(client, setup, counter_form(client, setup), quantity=2)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Not enough points." in html
    assert re.search(rf'name="qty-{setup.item_id}" value="2"', html)
    assert balance(app, setup.resident.id) == 15 and redemption_count(app) == 0


def test_the_monthly_limit_is_shown_and_enforced(app, client):
    setup = counter_setup(app, points=100, price=1, stock=10, monthly_limit=2)
    sign_in(client, setup.keeper)
    html = client.get(f"/store/counter?resident={setup.resident.id}").get_data(as_text=True)
    assert "Monthly limit: 2 more this month" in html
    response = redeem_post(client, setup, counter_form(client, setup), quantity=3)
    assert response.status_code == 409
    assert "limited to 2 a month" in response.get_data(as_text=True)
    assert redemption_count(app) == 0


def test_bad_quantities_and_an_empty_basket_are_refused(app, client):
    setup = counter_setup(app)
    sign_in(client, setup.keeper)
    key = counter_form(client, setup)
    assert redeem_post(client, setup, key, quantity="-1").status_code == 422
    assert redeem_post(client, setup, key, quantity="1e9").status_code == 422
    assert redeem_post(client, setup, key, quantity=0).status_code == 422
    assert redemption_count(app) == 0


def test_a_keeper_cannot_redeem_at_another_store(app, client):
    setup = counter_setup(app)
    other_keeper = make_user(app, "store_keeper")
    make_store(app, other_keeper.id)
    sign_in(client, other_keeper)
    response = redeem_post(client, setup, "a" * 32)
    assert response.status_code == 403
    assert redemption_count(app) == 0


def test_redeem_form_without_a_csrf_token_is_refused(csrf_app):
    setup = counter_setup(csrf_app, points=100)
    client = csrf_app.test_client()
    login = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    client.post("/sign-in", data={"username": setup.keeper.username, "password": setup.keeper.password,
                                  "csrf_token": token})
    response = redeem_post(client, setup, "b" * 32)
    assert response.status_code == 400
    assert redemption_count(csrf_app) == 0 and balance(csrf_app, setup.resident.id) == 100


def make_redemption(app, client, setup, quantity: int = 1) -> str:
    response = redeem_post(client, setup, counter_form(client, setup), quantity=quantity)
    assert response.status_code == 303
    return response.headers["Location"]


def test_a_receipt_is_seen_by_its_resident_and_not_by_another(app, client):
    setup = counter_setup(app)
    sign_in(client, setup.keeper)
    url = make_redemption(app, client, setup)
    other, stranger = make_user(app), app.test_client()
    sign_in(stranger, other)
    assert stranger.get(url).status_code == 404
    owner = app.test_client()
    sign_in(owner, setup.resident)
    assert owner.get(url).status_code == 200
    assert owner.get("/store/redemptions/99999999999").status_code == 404
    mine = owner.get("/store/my").get_data(as_text=True)
    assert url.rsplit("/", 1)[1] in mine


def test_the_keeper_voids_on_the_same_day_with_a_reason(app, client):
    setup = counter_setup(app, points=100, price=10)
    sign_in(client, setup.keeper)
    url = make_redemption(app, client, setup, quantity=2)
    key = page_key(client.get(url).get_data(as_text=True))
    empty = client.post(url + "/void", data={"idempotency_key": key, "reason": ""})
    assert empty.status_code == 422
    done = client.post(url + "/void", data={"idempotency_key": key, "reason": "扫错了人"})
    assert done.status_code == 303
    html = client.get(url).get_data(as_text=True)
    assert "VOIDED" in html and "扫错了人" in html
    assert balance(app, setup.resident.id) == 100 and stock_of(app, setup.item_id) == 5
    twice = client.post(url + "/void", data={"idempotency_key": "c" * 32, "reason": "again"}, follow_redirects=True)
    assert "already been voided" in twice.get_data(as_text=True)


def test_a_resident_cannot_void(app, client):
    setup = counter_setup(app)
    sign_in(client, setup.keeper)
    url = make_redemption(app, client, setup)
    client = app.test_client()
    sign_in(client, setup.resident)
    assert client.post(url + "/void", data={"idempotency_key": "d" * 32, "reason": "x"}).status_code == 403
    assert balance(app, setup.resident.id) == 90


def test_the_catalogue_shows_items_to_a_resident(app, client):
    setup = counter_setup(app, price=25, monthly_limit=3)
    sign_in(client, setup.resident)
    response = client.get("/store/catalogue")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert setup.store.name in html and "25 pts" in html and "Limit 3 a month; 3 left for you" in html


def test_the_stock_form_books_a_donation(app, client):
    setup = counter_setup(app, stock=5)
    sign_in(client, setup.keeper)
    key = page_key(client.get(f"/store/items/{setup.item_id}").get_data(as_text=True))
    data = {"idempotency_key": key, "kind": "donation", "delta": "4", "donor": "爱心商家", "reason": ""}
    assert client.post(f"/store/items/{setup.item_id}/stock", data=data).status_code == 303
    assert client.post(f"/store/items/{setup.item_id}/stock", data=data).status_code == 303  # resubmit
    assert stock_of(app, setup.item_id) == 9
    with app.app_context():
        kinds = db.session.execute(sa.select(StockMovement.kind, StockMovement.donor)
                                   .where(StockMovement.item_id == setup.item_id)).all()
    assert sorted(kinds) == [("donation", "爱心商家"), ("opening", None)]
    donors = client.get(f"/store/stores/{setup.store.id}/donors").get_data(as_text=True)
    assert "爱心商家" in donors


def test_the_stock_form_explains_what_is_missing(app, client):
    setup = counter_setup(app, stock=5)
    sign_in(client, setup.keeper)
    url = f"/store/items/{setup.item_id}/stock"
    no_donor = client.post(url, data={"idempotency_key": "e" * 32, "kind": "donation", "delta": "2"})
    assert no_donor.status_code == 422 and "Who gave it?" in no_donor.get_data(as_text=True)
    too_many = client.post(url, data={"idempotency_key": "f" * 32, "kind": "adjustment", "delta": "-9",
                                      "reason": "盘点"})
    assert too_many.status_code == 409
    assert stock_of(app, setup.item_id) == 5


def test_a_keeper_manages_only_their_own_stores(app, client):
    setup = counter_setup(app)
    other_keeper = make_user(app, "store_keeper")
    make_store(app, other_keeper.id)
    sign_in(client, other_keeper)
    assert client.get(f"/store/stores/{setup.store.id}").status_code == 403
    assert client.get(f"/store/items/{setup.item_id}").status_code == 403
    assert client.get("/store/stores").status_code == 200
    assert client.get("/store/stores/99999999999").status_code == 404


def test_an_admin_opens_a_store_and_adds_an_item(app, client):
    admin = make_user(app, "admin")
    keeper = make_user(app, "store_keeper")
    sign_in(client, admin)
    response = client.post("/store/stores", data={"name": "幸福里积分超市", "community_id": "0",
                                                  "keeper_ids": [str(keeper.id)]})
    assert response.status_code == 303
    store_url = response.headers["Location"]
    store_id = int(store_url.rsplit("/", 1)[1])
    page = client.get(f"/store/stores/{store_id}/items/new").get_data(as_text=True)
    created = client.post(f"/store/stores/{store_id}/items/new", data={
        "idempotency_key": page_key(page), "name": "大米", "category": "粮油", "price": "50", "stock": "8",
        "monthly_limit": "", "active": "y",
    })
    assert created.status_code == 303
    assert "大米" in client.get(store_url).get_data(as_text=True)


def test_a_keeper_of_two_stores_picks_one_for_the_counter(app, client):
    keeper = make_user(app, "store_keeper")
    first, second = make_store(app, keeper.id), make_store(app, keeper.id)
    make_item(app, second.id, name="酱油")
    resident = make_user(app)
    give_points(app, resident.id, 50)
    sign_in(client, keeper)
    assert client.get("/store/counter").status_code == 302
    assert client.post("/store/counter/store", data={"store_id": str(second.id)}).status_code == 303
    html = client.get(f"/store/counter?resident={resident.id}").get_data(as_text=True)
    assert second.name in html and "酱油" in html and first.name not in html


def test_photos_are_served_only_when_an_item_uses_them(app, client):
    setup = counter_setup(app)
    sign_in(client, setup.resident)
    for name in ("../config.py", "..%2F..%2Fapp.py", "0" * 32 + ".png", "x.txt"):
        assert client.get(f"/store/photos/{name}").status_code == 404


def test_an_item_photo_is_uploaded_checked_and_served_with_long_caching(app, client, tmp_path):
    import io

    from PIL import Image

    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    setup = counter_setup(app)
    sign_in(client, setup.keeper)
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(picture, format="PNG")
    edit = f"/store/items/{setup.item_id}/edit"
    form = {"idempotency_key": "a" * 32, "name": "毛巾", "category": "", "price": "10", "monthly_limit": "",
            "active": "y"}
    bad = client.post(edit, data={**form, "photo": (io.BytesIO(b"not a picture"), "x.png")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "PNG, JPEG or WebP" in bad.get_data(as_text=True)
    good = client.post(edit, data={**form, "photo": (io.BytesIO(picture.getvalue()), "towel.png")},
                       content_type="multipart/form-data")
    assert good.status_code == 303
    html = client.get(f"/store/stores/{setup.store.id}").get_data(as_text=True)
    name = re.search(r'/store/photos/([0-9a-f]{32}\.png)', html).group(1)
    photo = client.get(f"/store/photos/{name}")
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    assert "max-age=31536000" in photo.headers["Cache-Control"]
    photo.close()
