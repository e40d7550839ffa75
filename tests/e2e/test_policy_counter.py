"""The counter in Chinese shows the policy's gate as soon as a card is read, before any basket."""

import pytest
from playwright.sync_api import expect

from core.timeutil import shanghai_today
from tests.factories import make_user
from tests.factories_policy import in_chinese, policy
from tests.factories_store import give_points, make_item, make_store


@pytest.mark.e2e
def test_the_counter_says_today_is_not_an_exchange_day_then_counts_the_quarter(desktop_page, server, ui_sign_in,
                                                                               shots):
    app, page = server.app, desktop_page
    admin = make_user(app, "admin")
    keeper = make_user(app, "store_keeper", name="赵店长")
    resident = make_user(app, name="刘桂兰")
    store = make_store(app, keeper.id, name="朝阳社区积分超市")
    make_item(app, store.id, name="挂面", price=8, stock=20)
    give_points(app, resident.id, 50)
    other_day = 1 if shanghai_today().day != 1 else 2
    policy(app, admin, exchange_days=[other_day], redemptions_per_quarter=1)

    ui_sign_in(page, keeper)
    page.goto("/store/counter")
    page.locator("#card-code").fill(resident.card_code)
    page.locator("#card-code").press("Enter")
    expect(page.locator("#resident-name")).to_have_text("刘桂兰")
    closed = in_chinese(app, "Today is not an exchange day (the store exchanges on day %(days)s of each month).",
                        f"今天不是兑换日（每月 {other_day} 日兑换）", days=str(other_day))
    expect(page.locator("#redemption-gate")).to_have_text(closed)
    expect(page.locator("#basket-confirm")).to_have_count(0)  # no basket to build while the gate is shut
    page.screenshot(path=str(shots / "counter-gate-closed.png"), full_page=True)

    # The exchange day is every day again: the quarter's count shows, and the basket is back.
    policy(app, admin, exchange_days=None)
    page.reload()
    note = in_chinese(app, "This resident has redeemed %(used)s times this quarter (limit %(cap)s).",
                      "此居民本季度已兑换 0 次（上限 1 次）", used=0, cap=1)
    expect(page.locator("#quarter-note")).to_have_text(note)
    expect(page.locator("#basket-confirm")).to_be_visible()
    page.screenshot(path=str(shots / "counter-gate-quarter.png"), full_page=True)
