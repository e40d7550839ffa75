"""The counter's reports: the keeper's end-of-shift report and the admins' list of redemptions found by search."""

from datetime import timedelta

import pytest

from core.timeutil import shanghai_today
from redemption import services
from tests.factories import make_user, sign_in
from tests.factories_store import counter_setup, make_item, make_store
from tests.test_store_pages import page_key, redeem_post


def redeem_as(app, setup, quantity: int, found_by: str, key: str):
    from accounts.models import User
    from extensions import db

    with app.app_context():
        keeper = db.session.get(User, setup.keeper.id)
        r = services.redeem(services.RedeemRequest(
            store_id=setup.store.id, resident_id=setup.resident.id,
            lines=(services.Line(item_id=setup.item_id, quantity=quantity),), key=key, found_by=found_by), keeper)
        return r.id


def void_as(app, setup, redemption_id: int):
    from accounts.models import User
    from extensions import db

    with app.app_context():
        services.void_redemption(redemption_id, "拿错了", db.session.get(User, setup.keeper.id))


def test_the_shift_report_counts_redemptions_points_goods_and_voids(app, client):
    setup = counter_setup(app, points=200, price=10, stock=20)
    kept = redeem_as(app, setup, 3, "card", "shift:1")
    undone = redeem_as(app, setup, 2, "search", "shift:2")
    void_as(app, setup, undone)
    sign_in(client, setup.keeper)
    response = client.get("/store/shift")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="shift-count">1<' in html  # only the completed one
    assert 'id="shift-points">30<' in html
    assert 'id="shift-voids">1<' in html and 'id="shift-void-points">20<' in html
    assert "拿错了" in html
    assert f"/store/redemptions/{kept}" in html
    assert 'id="receipt-58"' in html  # printable on a 58 mm printer as on A4


def test_the_shift_report_of_another_day_is_empty_and_a_bad_day_is_refused(app, client):
    setup = counter_setup(app, points=100)
    redeem_as(app, setup, 1, "card", "shift:3")
    sign_in(client, setup.keeper)
    yesterday = (shanghai_today() - timedelta(days=1)).isoformat()
    html = client.get(f"/store/shift?day={yesterday}").get_data(as_text=True)
    assert 'id="shift-count">0<' in html and "No redemptions on this day." in html
    for bad in ("2026-13-01", "２０２６-01-01", "1800-01-01", "yesterday", "2026-1-1"):
        response = client.get("/store/shift", query_string={"day": bad})
        assert response.status_code == 422, bad
        assert "The day must be a date" in response.get_data(as_text=True)


def test_a_keeper_reads_only_their_own_shift(app, client):
    setup = counter_setup(app, points=100)
    other = make_user(app, "store_keeper")
    sign_in(client, setup.keeper)
    assert client.get(f"/store/shift?keeper_id={other.id}").status_code == 403


def test_an_admin_reads_any_keepers_shift_and_a_resident_none(app, client):
    setup = counter_setup(app, points=100)
    redeem_as(app, setup, 2, "card", "shift:4")
    admin = make_user(app, "admin")
    sign_in(client, admin)
    html = client.get(f"/store/shift?keeper_id={setup.keeper.id}").get_data(as_text=True)
    assert 'id="shift-points">20<' in html
    assert client.get("/store/shift?keeper_id=99999999999").status_code == 404
    client.post("/sign-out")
    sign_in(client, make_user(app))
    assert client.get("/store/shift").status_code == 403


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_admins_and_auditors_list_redemptions_found_by_search(app, client, role):
    setup = counter_setup(app, points=100)
    searched = redeem_as(app, setup, 1, "search", "found:1")
    scanned = redeem_as(app, setup, 2, "card", "found:2")
    sign_in(client, make_user(app, role))
    html = client.get("/store/found-by-search").get_data(as_text=True)
    assert f"/store/redemptions/{searched}" in html
    assert f"/store/redemptions/{scanned}" not in html
    assert setup.resident.name in html


def test_the_found_by_search_list_filters_by_store_and_date(app, client):
    setup = counter_setup(app, points=100)
    other_store = make_store(app, setup.keeper.id)
    make_item(app, other_store.id)
    searched = redeem_as(app, setup, 1, "search", "found:3")
    sign_in(client, make_user(app, "admin"))
    today = shanghai_today()
    assert f"/store/redemptions/{searched}" in client.get(
        f"/store/found-by-search?store_id={setup.store.id}&from={today}&to={today}").get_data(as_text=True)
    assert 'id="found-none"' in client.get(
        f"/store/found-by-search?store_id={other_store.id}").get_data(as_text=True)
    tomorrow = today + timedelta(days=1)
    assert 'id="found-none"' in client.get(f"/store/found-by-search?from={tomorrow}").get_data(as_text=True)


@pytest.mark.parametrize("query", ["store_id=abc", "store_id=99999999999", "store_id=²", "from=2026-02-30",
                                   "from=2026-05-02&to=2026-05-01", "to=９"])
def test_bad_filters_answer_422_with_a_message(app, client, query):
    sign_in(client, make_user(app, "admin"))
    response = client.get(f"/store/found-by-search?{query}")
    assert response.status_code == 422
    assert 'class="alert alert-danger"' in response.get_data(as_text=True)
    assert client.get(f"/store/found-by-search.csv?{query}").status_code == 422


def test_the_found_by_search_csv_has_a_bom_and_only_flagged_redemptions(app, client):
    setup = counter_setup(app, points=100)
    redeem_as(app, setup, 1, "search", "found:4")
    redeem_as(app, setup, 2, "card", "found:5")
    sign_in(client, make_user(app, "auditor"))
    response = client.get(f"/store/found-by-search.csv?store_id={setup.store.id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeffNumber,Time,Store")
    lines = text.strip().splitlines()
    assert len(lines) == 2 and setup.resident.name in lines[1] and ",10," in lines[1]


@pytest.mark.parametrize("role", ["store_keeper", "resident", "team_lead"])
def test_others_may_not_see_the_found_by_search_list(app, client, role):
    sign_in(client, make_user(app, role))
    assert client.get("/store/found-by-search").status_code == 403
    assert client.get("/store/found-by-search.csv").status_code == 403


def test_a_counter_search_redemption_shows_up_in_the_admins_list(app, client):
    setup = counter_setup(app, points=100)
    sign_in(client, setup.keeper)
    html = client.get(f"/store/counter?resident={setup.resident.id}").get_data(as_text=True)
    location = redeem_post(client, setup, page_key(html), quantity=1).headers["Location"]
    client.post("/sign-out")
    sign_in(client, make_user(app, "admin"))
    assert location.split("localhost")[-1] in client.get("/store/found-by-search").get_data(as_text=True)


def test_the_stores_page_links_admins_to_the_list(app, client):
    sign_in(client, make_user(app, "admin"))
    assert 'id="found-by-search-link"' in client.get("/store/stores").get_data(as_text=True)
    client.post("/sign-out")
    sign_in(client, make_user(app, "store_keeper"))
    assert 'id="found-by-search-link"' not in client.get("/store/stores").get_data(as_text=True)
