"""Every counter page at a counter PC's 1366×768, in Chinese and English: the basket never covers goods,
no sideways scroll, no CSP violation; screenshots for a person to look at."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_user
from tests.factories_store import give_points, make_item, make_store

GOODS = [("大米 5kg", 25), ("食用油 1.8L", 30), ("肥皂", 5), ("洗衣液", 18), ("牙膏", 8), ("毛巾", 6),
         ("挂面", 7), ("酱油", 9), ("鸡蛋 10 个", 12), ("卫生纸", 10), ("洗洁精", 8), ("食盐", 3)]


@pytest.fixture
def busy_store(server):
    """A store with a dozen goods, a keeper, a resident with 60 points and one with none."""
    app = server.app
    keeper = make_user(app, "store_keeper", name="钱店长")
    rich = make_user(app, name="孙桂英", phone="13700001234")
    poor = make_user(app, name="周大海")
    store = make_store(app, keeper.id)
    ids = [make_item(app, store.id, name=f"{name}·{store.id}", price=price, stock=20) for name, price in GOODS]
    give_points(app, rich.id, 60)
    return keeper, rich, poor, ids


def redeem_found_by_search(app, keeper, resident, item_id: int) -> None:
    """A redemption whose resident was picked by search (through the service, as the counter does)."""
    from accounts.models import User
    from extensions import db
    from redemption import services
    from redemption.models import Item

    give_points(app, resident.id, 40)
    with app.app_context():
        services.redeem(services.RedeemRequest(
            store_id=db.session.get(Item, item_id).store_id,
            resident_id=resident.id, lines=(services.Line(item_id=item_id, quantity=1),),
            key=f"e2e-search:{item_id}", found_by="search"), db.session.get(User, keeper.id))
        db.session.remove()


def boxes_overlap(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def assert_summary_covers_no_goods(page) -> None:
    summary = page.locator("#basket-form").bounding_box()
    for tile in page.locator(".basket-tile").all():
        box = tile.bounding_box()
        assert box is not None and not boxes_overlap(summary, box), "the basket total covers a goods tile"


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_counter_pages_at_1366_by_768(desktop_page, server, busy_store, ui_sign_in, shots, lang):
    page = desktop_page
    keeper, rich, poor, ids = busy_store
    csp = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    ui_sign_in(page, keeper)
    page.goto(f"/lang/{lang}?next=/store/counter")
    page.goto("/store/counter")
    page.screenshot(path=str(shots / f"counter-empty-{lang}.png"))
    assert no_sideways_scroll(page)

    page.locator("#card-code").fill(rich.card_code)
    with page.expect_navigation():
        page.locator("#card-code").press("Enter")
    for item_id in ids[:3]:
        page.locator(f'.basket-tile[data-item="{item_id}"] .qty-step[data-step="1"]').click()
    expect(page.locator("#basket-total")).to_have_text("60")
    # 60 points spent exactly: every "+" is disabled now, the balance cannot pay one more of anything.
    for item_id in ids:
        expect(page.locator(f'.basket-tile[data-item="{item_id}"] .qty-step[data-step="1"]')).to_be_disabled()
    assert_summary_covers_no_goods(page)
    fully_visible = page.evaluate("""() => [...document.querySelectorAll('.basket-tile')].filter(t => {
        const r = t.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }).length""")
    assert fully_visible >= 8, f"only {fully_visible} goods fit on the screen"
    page.screenshot(path=str(shots / f"counter-basket-{lang}.png"))
    page.mouse.wheel(0, 2000)
    page.wait_for_timeout(200)
    assert_summary_covers_no_goods(page)
    expect(page.locator("#basket-confirm")).to_be_in_viewport()  # the total and Confirm stay in sight
    page.screenshot(path=str(shots / f"counter-basket-scrolled-{lang}.png"))
    assert no_sideways_scroll(page)

    with page.expect_navigation():
        page.locator("#basket-confirm").click()
    expect(page.locator("#receipt-total")).to_have_text("60")
    redeem_found_by_search(server.app, keeper, rich, ids[3])

    page.goto(f"/store/counter?resident={poor.id}")
    expect(page.locator("#zero-balance")).to_be_visible()
    expect(page.locator("#found-by-search")).to_be_visible()
    expect(page.locator(".qty-step[data-step='1']:not([disabled])")).to_have_count(0)
    page.screenshot(path=str(shots / f"counter-zero-balance-{lang}.png"))

    page.goto("/store/shift")
    expect(page.locator("#shift-report")).to_be_visible()
    page.screenshot(path=str(shots / f"counter-shift-{lang}.png"), full_page=True)
    page.locator("#receipt-58").click()
    page.emulate_media(media="print")
    page.screenshot(path=str(shots / f"counter-shift-58mm-print-{lang}.png"), full_page=True)
    page.emulate_media(media="screen")
    page.locator("#receipt-58").click()

    admin = make_user(server.app, "admin")
    page.context.clear_cookies()
    ui_sign_in(page, admin)
    page.goto(f"/lang/{lang}?next=/store/found-by-search")
    page.goto("/store/found-by-search")
    page.screenshot(path=str(shots / f"counter-found-by-search-{lang}.png"), full_page=True)
    assert no_sideways_scroll(page)
    assert csp == []
