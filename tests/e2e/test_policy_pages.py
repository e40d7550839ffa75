"""The rulebook's pages on a phone in Chinese: the resident's star on the home page, the admin's settings."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_user
from tests.factories_policy import levels, policy, serve, volunteers


@pytest.mark.e2e
def test_a_resident_sees_their_star_and_an_admin_changes_the_policy_on_a_phone(page, server, ui_sign_in, shots):
    app = server.app
    w = volunteers(app)
    policy(app, w.admin, star_levels=levels(1, 2, 3))
    serve(app, w, w.a, 130)
    ui_sign_in(page, w.a)
    page.goto("/")
    expect(page.locator("#star .star-level")).to_have_attribute("data-star", "2")
    page.screenshot(path=str(shots / "home-star-phone.png"), full_page=True)
    page.goto("/card")
    expect(page.locator(".member-card-star")).to_be_visible()

    admin = make_user(app, "admin", name="周建华")
    page.context.clear_cookies()
    ui_sign_in(page, admin)
    page.goto("/policy")
    page.locator("#redemptions_per_quarter").fill("1")
    page.locator("#exchange_days").fill("15")
    page.get_by_role("button", name=None).last.wait_for()
    page.locator("form[action='/policy'] button[type=submit]").click()
    expect(page.locator(".policy-versions tbody tr").first).to_contain_text("周建华")
    expect(page.locator(".policy-versions tbody tr").first).to_contain_text("exchange_days")
    page.screenshot(path=str(shots / "policy-settings-phone.png"), full_page=True)
