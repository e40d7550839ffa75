"""A card scanned with the focus in a quantity box: no receipt, no digits, a dialog (Chinese, 1366×768)."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from extensions import db
from points import ledger
from redemption.models import Redemption
from tests.factories import make_user
from tests.factories_store import give_points, make_item, make_store


def scanner_types(page, code: str) -> None:
    """A USB scanner: the code's characters back to back at machine speed, then Enter."""
    page.keyboard.type(code, delay=0)
    page.keyboard.press("Enter")


def redemptions_of(app, resident_id: int) -> int:
    with app.app_context():
        count = db.session.execute(
            sa.select(sa.func.count(Redemption.id)).where(Redemption.resident_id == resident_id)).scalar_one()
        db.session.remove()
        return count


def balance_of(app, user_id: int) -> int:
    with app.app_context():
        value = ledger.user_balance(user_id)
        db.session.remove()
        return value


@pytest.fixture
def two_residents(server):
    app = server.app
    keeper = make_user(app, "store_keeper", name="赵店长")
    first = make_user(app, name="王秀兰", phone="13900001111")
    second = make_user(app, name="李建国", phone="13900002222")
    store = make_store(app, keeper.id)
    rice = make_item(app, store.id, name="大米 2kg", price=20, stock=30)
    oil = make_item(app, store.id, name="食用油", price=15, stock=30)
    give_points(app, first.id, 200)
    give_points(app, second.id, 100)
    return keeper, first, second, rice, oil


@pytest.mark.e2e
def test_a_card_scanned_into_a_quantity_box_asks_first_then_discards(desktop_page, server, two_residents,
                                                                   ui_sign_in, shots):
    page = desktop_page
    keeper, first, second, rice, oil = two_residents
    csp = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    ui_sign_in(page, keeper)
    page.goto("/store/counter")
    scanner_types(page, first.card_code)
    expect(page.locator("#resident-name")).to_have_text("王秀兰")
    page.locator(f"#qty-{rice}").fill("2")
    page.locator(f"#qty-{oil}").fill("2")
    expect(page.locator("#basket-total")).to_have_text("70")
    expect(page.locator("#basket-count")).to_have_text("4")

    box = page.locator(f"#qty-{oil}")
    box.focus()
    scanner_types(page, second.card_code)

    dialog = page.locator("#switch-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#switch-text")).to_contain_text("王*兰")
    expect(page.locator("#switch-text")).to_contain_text("4")
    expect(page.locator("#switch-text")).to_contain_text("70")
    expect(box).to_have_value("2")  # not one character of the code landed in the box
    expect(page.locator("#resident-name")).to_have_text("王秀兰")
    assert redemptions_of(server.app, first.id) == 0  # the scanner's Enter confirmed nothing
    page.screenshot(path=str(shots / "counter-switch-dialog-zh.png"))

    # Esc goes back to the basket, untouched; the focus returns to the box.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(box).to_be_focused()
    expect(box).to_have_value("2")

    # Enter in the box never confirms.
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert redemptions_of(server.app, first.id) == 0
    assert "/store/counter" in page.url

    # A code typed by hand into the card box asks first too.
    page.locator("#card-code").fill(second.card_code)
    page.locator("#card-code").press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert "/store/counter" in page.url and redemptions_of(server.app, first.id) == 0
    expect(page.locator("#resident-name")).to_have_text("王秀兰")

    # Scan again, and discard by keyboard only.
    box.focus()
    scanner_types(page, second.card_code)
    expect(dialog).to_be_visible()
    page.locator("#switch-discard").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#resident-name")).to_have_text("李建国")
    expect(page.locator("#found-by-search")).to_have_count(0)
    assert redemptions_of(server.app, first.id) == 0
    assert balance_of(server.app, first.id) == 200
    page.screenshot(path=str(shots / "counter-after-discard-zh.png"))
    assert csp == []


@pytest.mark.e2e
def test_a_card_scanned_into_a_quantity_box_can_confirm_the_open_basket_first(desktop_page, server, two_residents,
                                                                            ui_sign_in, shots):
    page = desktop_page
    keeper, first, second, rice, oil = two_residents
    ui_sign_in(page, keeper)
    page.goto("/store/counter")
    scanner_types(page, first.card_code)
    page.locator(f"#qty-{rice}").fill("2")
    page.locator(f"#qty-{oil}").fill("2")
    page.locator(f"#qty-{rice}").focus()
    scanner_types(page, second.card_code)
    expect(page.locator("#switch-dialog")).to_be_visible()
    expect(page.locator(f"#qty-{rice}")).to_have_value("2")
    assert redemptions_of(server.app, first.id) == 0
    with page.expect_navigation():
        page.locator("#switch-confirm").click()
    expect(page.locator("#receipt-total")).to_have_text("70")
    expect(page.locator("#receipt-balance")).to_have_text("130")
    assert redemptions_of(server.app, first.id) == 1
    serve_next = page.locator("#serve-next")
    expect(serve_next).to_contain_text("李*国")
    expect(serve_next).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#resident-name")).to_have_text("李建国")
    expect(page.locator("#found-by-search")).to_have_count(0)
    assert redemptions_of(server.app, second.id) == 0


@pytest.mark.e2e
def test_a_barcode_scanned_anywhere_adds_one_and_a_search_pick_is_flagged(desktop_page, server, two_residents,
                                                                        ui_sign_in, shots):
    page = desktop_page
    keeper, first, second, rice, oil = two_residents
    with server.app.app_context():
        from redemption.models import Item

        db.session.get(Item, oil).barcode = "6901234567892"
        db.session.commit()
        db.session.remove()
    ui_sign_in(page, keeper)
    page.goto(f"/store/counter?resident={second.id}")  # picked without the card
    expect(page.locator("#found-by-search")).to_be_visible()
    page.locator(f"#qty-{rice}").focus()
    scanner_types(page, "6901234567892")
    expect(page.locator(f"#qty-{oil}")).to_have_value("1")
    expect(page.locator(f"#qty-{rice}")).to_have_value("0")
    expect(page.locator("#goods-message")).to_contain_text("食用油")
    page.locator("#goods-find").fill("大米")
    expect(page.locator(f'.goods-cell[data-item="{oil}"]')).to_be_hidden()
    page.locator("#goods-find").press("Enter")
    expect(page.locator(f"#qty-{rice}")).to_have_value("1")
    with page.expect_navigation():
        page.locator("#basket-confirm").click()
    expect(page.locator("#receipt-found-by")).to_have_text(re.compile("身份经搜索确认|Identified by search"))
    page.screenshot(path=str(shots / "counter-receipt-found-by-search-zh.png"), full_page=True)
