"""In Chinese, in Chromium: a lead corrects and withdraws pending records on a phone; an admin filters
the approvals queue by team on a counter-sized PC, rejects one and finds it in the rejected list."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_user
from tests.factories_people import read_record, require_chinese
from tests.factories_points import log, make_activity, make_team

NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"


def watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda err: problems.append(str(err)))
    return problems


@pytest.fixture
def amend_world(server):
    app = server.app
    admin = make_user(app, "admin", name="刘主任")
    lead = make_user(app, "team_lead", name="陈队长")
    first, second = make_user(app, name="王萍"), make_user(app, name="赵德明")
    team = make_team(app, leads=[lead], members=[first, second], name="环境卫生志愿服务队")
    activity = make_activity(app, team, lead, title="社区环境清洁")
    other_lead, other = make_user(app, "team_lead", name="黄队长"), make_user(app, name="钱秀兰")
    other_team = make_team(app, leads=[other_lead], members=[other], name="敬老助残志愿服务队")
    elders = make_activity(app, other_team, other_lead, title="关爱独居老人")
    records = {"first": log(app, activity, first, 60, lead), "second": log(app, activity, second, 120, lead),
               "other": log(app, elders, other, 180, other_lead)}
    return admin, lead, activity, team, other_team, records


def test_a_lead_corrects_and_withdraws_on_a_phone_and_an_admin_filters_and_rejects(
        server, page, desktop_page, amend_world, ui_sign_in, shots):
    admin, lead, activity, team, other_team, records = amend_world
    require_chinese(server.app)
    problems = watch(page)

    ui_sign_in(page, lead)
    page.goto(f"/lead/activities/{activity}")
    row = page.locator(".list-group-item", has_text="王萍").filter(has=page.locator(".amend-links"))
    with page.expect_navigation():
        row.get_by_role("link", name="更正时长").click()
    expect(page.locator("h1")).to_have_text("更正服务时长")
    page.locator("#minutes").fill("90")
    with page.expect_navigation():
        page.get_by_role("button", name="下一步：核对更正").click()
    expect(page.locator("#amend-confirm")).to_contain_text("1 小时")
    expect(page.locator("#amend-confirm")).to_contain_text("1.5 小时")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the confirm step scrolls sideways on a phone"
    page.screenshot(path=str(shots / "lead-correct-confirm-phone.png"), full_page=True)
    assert read_record(server.app, records["first"]).minutes == 60  # nothing saved before confirming
    with page.expect_navigation():
        page.get_by_role("button", name="确认更正").click()
    expect(page.locator(".alert-success")).to_contain_text("已将 王萍 在「社区环境清洁」的记录更正为 1.5 小时")
    assert read_record(server.app, records["first"]).minutes == 90

    row = page.locator(".list-group-item", has_text="赵德明").filter(has=page.locator(".amend-links"))
    with page.expect_navigation():
        row.get_by_role("link", name="撤回").click()
    expect(page.locator("h1")).to_have_text("撤回这条记录？")
    with page.expect_navigation():
        page.get_by_role("button", name="确认撤回").click()  # no reason yet: every problem at the top
    expect(page.locator(".form-error-summary")).to_be_visible()
    page.locator("#reason").fill("当天没有到场")
    with page.expect_navigation():
        page.get_by_role("button", name="确认撤回").click()
    expect(page.locator(".alert-success")).to_contain_text("已撤回 赵德明 在「社区环境清洁」的 2 小时服务记录")
    expect(page.locator(".list-group-item", has_text="赵德明").locator(".badge")).to_have_text("已撤回")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.screenshot(path=str(shots / "lead-roster-withdrawn-phone.png"), full_page=True)
    assert problems == [], problems

    admin_page = desktop_page
    admin_problems = watch(admin_page)
    ui_sign_in(admin_page, admin)
    admin_page.goto("/approvals")
    admin_page.locator("#f-team_id").select_option(str(other_team))
    with admin_page.expect_navigation():
        admin_page.get_by_role("button", name="筛选").click()
    assert f"team_id={other_team}" in admin_page.url
    queue = admin_page.locator("#pending-records tbody tr")
    expect(queue).to_have_count(1)
    expect(queue.first).to_contain_text("钱秀兰")
    queue.first.locator('input[name="reason"]').fill("时长与签到不符")
    with admin_page.expect_navigation():
        queue.first.get_by_role("button", name="驳回").click()
    expect(admin_page.locator(".alert-success")).to_contain_text("已驳回 钱秀兰 在「关爱独居老人」的 3 小时服务记录")
    assert f"team_id={other_team}" in admin_page.url  # the filter survived the decision
    admin_page.goto("/approvals")
    decided = admin_page.locator("#decided-records tbody")
    expect(decided).to_contain_text("时长与签到不符")
    expect(decided).to_contain_text("当天没有到场")
    expect(decided).to_contain_text("队长撤回")
    assert admin_page.evaluate(NO_SIDEWAYS_SCROLL), "approvals scroll sideways at 1366×768"
    admin_page.screenshot(path=str(shots / "approvals-filtered-desktop.png"), full_page=True)
    assert admin_problems == [], admin_problems
