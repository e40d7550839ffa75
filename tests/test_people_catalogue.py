"""The resident's catalogue: photos (a placeholder when none) and "What I can afford"
(price within the balance, in stock, the month's limit not used up), on an index."""

import io
import re

from PIL import Image
from werkzeug.datastructures import FileStorage

from accounts.models import User
from extensions import db
from redemption import services
from redemption.photos import save_photo
from tests.factories import sign_in
from tests.factories_points import crew
from tests.factories_store import counter_setup, make_item
from tests.test_query_plans import pages_scan


def catalogue_names(html: str) -> list[str]:
    return re.findall(r'<div class="fw-semibold">([^<]+)</div>', html)


def with_photo(app, tmp_path, item_id: int) -> str:
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 20)).save(out, format="PNG")
    with app.test_request_context():
        name = save_photo(FileStorage(io.BytesIO(out.getvalue()), filename="rice.png"))
        services.update_item(item_id, None, photo=name)
    return name


def redeem_one(app, setup, item_id: int) -> None:
    with app.test_request_context():
        keeper = db.session.get(User, setup.keeper.id)
        services.redeem(services.RedeemRequest(setup.store.id, setup.resident.id, (services.Line(item_id, 1),),
                                               key=f"t:{item_id}"), keeper)


def test_photos_show_and_items_without_one_get_a_placeholder(app, client, tmp_path):
    setup = counter_setup(app, points=100, price=10)
    plain = make_item(app, setup.store.id, name="毛巾", price=5)
    name = with_photo(app, tmp_path, setup.item_id)
    sign_in(client, setup.resident)

    html = client.get(f"/store/catalogue?store={setup.store.id}").get_data(as_text=True)

    assert f'src="/store/photos/{name}"' in html
    assert html.count("item-photo-none") == 1 and plain
    served = client.get(f"/store/photos/{name}")
    served.close()
    assert served.status_code == 200


def test_what_i_can_afford_leaves_out_dear_empty_and_used_up_goods(app, client):
    setup = counter_setup(app, points=30, price=10, stock=5)  # 米 at 10: affordable
    store = setup.store.id
    make_item(app, store, name="电饭煲", price=200)  # too dear
    make_item(app, store, name="酱油", price=5, stock=0)  # out of stock
    limited = make_item(app, store, name="鸡蛋", price=5, stock=9, monthly_limit=1)
    make_item(app, store, name="肥皂", price=20)  # exactly within the balance after the eggs
    redeem_one(app, setup, limited)  # this month's one egg is taken: 25 points left
    sign_in(client, setup.resident)

    everything = catalogue_names(client.get(f"/store/catalogue?store={store}").get_data(as_text=True))
    affordable = client.get(f"/store/catalogue?store={store}&affordable=1").get_data(as_text=True)

    assert {"电饭煲", "酱油", "鸡蛋", "肥皂"} <= set(everything)
    assert "电饭煲" not in catalogue_names(affordable) and "酱油" not in catalogue_names(affordable)
    assert "鸡蛋" not in catalogue_names(affordable) and "肥皂" in catalogue_names(affordable)
    assert 'aria-current="page">What I can afford' in affordable


def test_a_resident_with_no_points_is_told_kindly(app, client):
    setup = counter_setup(app, points=0)
    sign_in(client, setup.resident)
    html = client.get(f"/store/catalogue?store={setup.store.id}&affordable=1").get_data(as_text=True)
    assert catalogue_names(html) == [] and "Nothing here fits your balance yet" in html


def test_odd_filter_and_page_values_show_the_whole_catalogue(app, client):
    setup = counter_setup(app, points=0)
    sign_in(client, setup.resident)
    for query in ("affordable=١", "affordable=%00", "page=²", "page=99999999999999999999"):
        response = client.get(f"/store/catalogue?store={setup.store.id}&{query}")
        assert response.status_code == 200, query


def test_the_affordable_catalogue_uses_indexes(app, client):
    crew(app)  # the crowd of rows the plan check adds needs an activity and a rule
    setup = counter_setup(app, points=50)
    sign_in(client, setup.resident)
    scans = pages_scan(app, client, [(f"/store/catalogue?store={setup.store.id}&affordable=1", None)])
    assert scans == [], "\n".join(scans)
