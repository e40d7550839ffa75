"""A proxy (代办人) in a real browser, in Chinese: the grid worker sees the elder on their phone, and at
the counter the keeper notes the proxy after scanning the elder's card; the receipt names them."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_user
from tests.factories_households import make_household, make_proxy
from tests.factories_store import give_points, make_item, make_store


@pytest.fixture
def proxy_world(server):
    app = server.app
    admin = make_user(app, "admin", name="李主任")
    keeper = make_user(app, "store_keeper", name="王店长")
    elder = make_user(app, name="赵桂芝")
    worker = make_user(app, name="刘网格")
    granddaughter = make_user(app, name="赵小雨")
    store = make_store(app, keeper.id)
    rice = make_item(app, store.id, name="挂面", price=15, stock=10)
    give_points(app, elder.id, 90)
    give_points(app, granddaughter.id, 40)
    make_household(app, "赵家", elder.id, granddaughter.id)
    make_proxy(app, elder.id, worker.id, admin)
    return keeper, elder, worker, rice, granddaughter


@pytest.mark.e2e
def test_the_proxy_sees_the_elder_on_the_phone_in_chinese(page, proxy_world, ui_sign_in, shots):
    _keeper, elder, worker, _rice, _grand = proxy_world
    ui_sign_in(page, worker)
    page.goto("/family")
    expect(page.locator("h1")).to_have_text("我的家庭")
    entry = page.locator("#acting-for a")
    expect(entry).to_contain_text("赵桂芝")
    expect(entry).to_contain_text("90")
    page.screenshot(path=str(shots / "proxy-family-phone.png"), full_page=True)
    entry.click()
    expect(page.locator("#proxy-balance")).to_have_text("90")
    expect(page.locator("body")).to_contain_text("代办人")
    page.screenshot(path=str(shots / "proxy-acting-for-phone.png"), full_page=True)


@pytest.mark.e2e
def test_a_keeper_notes_the_proxy_at_the_counter_and_the_receipt_names_them(
        desktop_page, proxy_world, ui_sign_in, shots):
    page = desktop_page
    keeper, elder, _worker, rice, _grand = proxy_world
    ui_sign_in(page, keeper)
    page.goto("/store/counter")
    page.locator("#card-code").fill(elder.card_code)
    page.locator("#card-code").press("Enter")
    expect(page.locator("#resident-name")).to_have_text("赵桂芝")
    proxy = page.locator("#proxy-id")
    expect(page.locator("label[for=proxy-id]")).to_have_text("代办人")
    proxy.select_option(label="代办人：刘网格")
    page.locator(f'.basket-tile[data-item="{rice}"] .qty-step[data-step="1"]').click()
    expect(page.locator("#basket-total")).to_have_text("15")
    page.screenshot(path=str(shots / "counter-proxy.png"), full_page=True)
    with page.expect_navigation():
        page.locator("#basket-confirm").click()
    expect(page.locator("#receipt-proxy")).to_have_text("代办人：刘网格")
    expect(page.locator("#receipt-balance")).to_have_text("75")
    page.screenshot(path=str(shots / "counter-proxy-receipt.png"), full_page=True)


@pytest.mark.e2e
def test_a_granddaughter_sees_the_family_and_gives_points_with_a_confirm_step(page, proxy_world, ui_sign_in, shots):
    _keeper, elder, _worker, _rice, granddaughter = proxy_world
    ui_sign_in(page, granddaughter)
    page.goto("/family")
    expect(page.locator("#family-balance")).to_have_text("130")
    expect(page.locator("#family-members li")).to_have_count(2)
    page.screenshot(path=str(shots / "family-phone.png"), full_page=True)
    page.locator("#family-members li", has_text="赵桂芝").get_by_role("link", name="赠与积分").click()
    page.locator("input[name=points]").fill("10")
    page.locator("input[name=note]").fill("给奶奶买菜")
    with page.expect_navigation():
        page.get_by_role("button", name="下一步：核对并确认").click()
    expect(page.locator("#gift-confirm")).to_contain_text("确认赠与赵桂芝 10 积分吗？")
    page.screenshot(path=str(shots / "gift-confirm-phone.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="确认赠与").click()
    expect(page.locator("#family-balance")).to_have_text("130")
    expect(page.locator("#family-members li", has_text="赵桂芝")).to_contain_text("100")
    expect(page.locator("body")).to_contain_text("您已赠与赵桂芝 10 积分")
