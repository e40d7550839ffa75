"""The counter in a real browser: scan a card, fill a basket, confirm, print the receipt."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_user
from tests.factories_store import give_points, make_item, make_store


@pytest.fixture
def counter_world(server):
    """A keeper of one store with two items, and a resident holding 100 points."""
    app = server.app
    keeper = make_user(app, "store_keeper", name="王店长")
    resident = make_user(app, name="张秀英", phone="13812345678")
    store = make_store(app, keeper.id, name="幸福里积分超市")
    rice = make_item(app, store.id, name="大米 5kg", price=25, stock=10)
    soap = make_item(app, store.id, name="肥皂", price=10, stock=3, monthly_limit=2)
    give_points(app, resident.id, 100)
    return keeper, resident, rice, soap


def watch_csp(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    return problems


@pytest.mark.e2e
def test_a_keeper_redeems_two_items_by_scanning_a_card(desktop_page, counter_world, ui_sign_in, shots):
    page = desktop_page
    keeper, resident, rice, soap = counter_world
    csp = watch_csp(page)
    ui_sign_in(page, keeper)
    page.goto("/store/counter")
    scan = page.locator("#card-code")
    expect(scan).to_be_focused()

    # A bad code: a clear message, the box cleared and focused again.
    scan.fill("JF2222222222222")
    scan.press("Enter")
    expect(page.locator("#counter-error")).to_be_visible()
    expect(page.locator("#card-code")).to_be_focused()
    expect(page.locator("#card-code")).to_have_value("")
    page.screenshot(path=str(shots / "counter-invalid-card.png"))

    # The USB scanner types the code and presses Enter.
    page.locator("#card-code").fill(resident.card_code)
    page.locator("#card-code").press("Enter")
    expect(page.locator("#resident-name")).to_have_text("张秀英")
    expect(page.locator("#resident-balance")).to_have_text("100")
    expect(page.locator("#basket-confirm")).to_be_disabled()

    plus_rice = page.locator(f'.basket-tile[data-item="{rice}"] .qty-step[data-step="1"]')
    plus_soap = page.locator(f'.basket-tile[data-item="{soap}"] .qty-step[data-step="1"]')
    plus_rice.click()
    plus_rice.click()
    plus_soap.click()
    expect(page.locator("#basket-total")).to_have_text("60")
    expect(page.locator("#basket-after")).to_have_text("40")
    expect(page.locator("#basket-confirm")).to_be_enabled()

    # Over the balance: Confirm is disabled with a reason; back under it, enabled again.
    page.locator(f"#qty-{rice}").fill("4")
    expect(page.locator("#basket-after")).to_have_text("-10")
    expect(page.locator("#basket-confirm")).to_be_disabled()
    expect(page.locator("#basket-message")).to_contain_text("10")
    page.screenshot(path=str(shots / "counter-over-balance.png"), full_page=True)
    page.locator(f"#qty-{rice}").fill("2")
    # The monthly limit of soap (2) caps the + button.
    plus_soap.click()
    expect(page.locator(f"#qty-{soap}")).to_have_value("2")
    expect(plus_soap).to_be_disabled()
    expect(page.locator("#basket-total")).to_have_text("70")
    page.screenshot(path=str(shots / "counter-basket.png"), full_page=True)

    with page.expect_navigation():
        page.locator("#basket-confirm").click()
    expect(page.locator("#receipt-number")).to_have_text(re.compile(r"\S+"))
    expect(page.locator("#receipt-total")).to_have_text("70")
    expect(page.locator("#receipt-balance")).to_have_text("30")
    page.screenshot(path=str(shots / "counter-receipt.png"), full_page=True)

    page.locator("#receipt-58").click()
    expect(page.locator("body")).to_have_class(re.compile(r"(^|\s)receipt-58(\s|$)"))
    page.emulate_media(media="print")
    page.screenshot(path=str(shots / "counter-receipt-58mm-print.png"), full_page=True)
    page.emulate_media(media="screen")
    page.locator("#receipt-58").click()
    assert csp == []

