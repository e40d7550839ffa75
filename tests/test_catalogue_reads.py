"""The resident's catalogue shows one store at a time, a page of items at a time."""

import re

from redemption.catalogue import CATALOGUE_PAGE_SIZE
from tests.factories import sign_in
from tests.factories_store import counter_setup, make_item, make_store


def item_names(html: str) -> list[str]:
    return re.findall(r'<div class="fw-semibold">([^<]+)</div>', html)


def test_the_catalogue_shows_only_the_chosen_store(app, client):
    setup = counter_setup(app)
    other = make_store(app, name="西湖积分超市")
    make_item(app, other.id, name="酱油")
    sign_in(client, setup.resident)
    mine = client.get(f"/store/catalogue?store={setup.store.id}").get_data(as_text=True)
    theirs = client.get(f"/store/catalogue?store={other.id}").get_data(as_text=True)
    assert "酱油" not in item_names(mine) and item_names(theirs) == ["酱油"]
    first = client.get("/store/catalogue").get_data(as_text=True)  # no choice: the first store by name
    assert len(re.findall(r'<h2 class="h5">', first)) == 1


def test_a_big_store_is_paged_and_bad_page_numbers_fall_back_to_the_first(app, client):
    setup = counter_setup(app)
    for n in range(CATALOGUE_PAGE_SIZE + 3):
        make_item(app, setup.store.id, name=f"物品{n:03d}")
    sign_in(client, setup.resident)
    url = f"/store/catalogue?store={setup.store.id}"
    first = client.get(url).get_data(as_text=True)
    second = client.get(url + "&page=2").get_data(as_text=True)
    assert len(item_names(first)) == CATALOGUE_PAGE_SIZE
    assert len(item_names(second)) == CATALOGUE_PAGE_SIZE + 4 - CATALOGUE_PAGE_SIZE  # 3 more and the setup's item
    assert not set(item_names(first)) & set(item_names(second))
    assert "1 / 2" in first and "page=2" in first
    for bad in ("abc", "-1", "０２", "9" * 40):
        response = client.get(url + f"&page={bad}")
        assert response.status_code == 200 and item_names(response.get_data(as_text=True)) == item_names(first)
    beyond = client.get(url + "&page=99")
    assert beyond.status_code == 200 and item_names(beyond.get_data(as_text=True)) == []
    assert client.get("/store/catalogue?store=999999999999").status_code == 200  # unknown store: the first
