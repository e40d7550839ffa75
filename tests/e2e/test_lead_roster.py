"""A team lead logs an activity's roster on a phone; an admin approves it in bulk on a PC."""

import re

import pytest
from playwright.sync_api import expect

from extensions import db
from points.models import Activity
from points.rules import compute_points
from points.setup_services import current_rule
from tests.factories import make_user
from tests.factories_points import balance, make_activity, make_team
from tests.factories_store import give_points

NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def roster_world(server):
    """An admin, a lead and two members in one team, with one activity today."""
    app = server.app
    admin = make_user(app, "admin", name="刘主任")
    lead = make_user(app, "team_lead", name="孙队长")
    first = make_user(app, name="周建国", phone="13600002222")
    second = make_user(app, name="吴美玲", phone="13600003333")
    team_id = make_team(app, leads=[lead], members=[first, second], name="绿化志愿服务队")
    activity_id = make_activity(app, team_id, lead, title="小区绿地除草")
    give_points(app, first.id, 7)  # a starting balance, so the rise is visible on the home page
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        expected = compute_points(60, current_rule().points_per_hour, activity.difficulty.multiplier)
    assert expected > 0
    return admin, lead, first, second, activity_id, expected


def no_csp_problems(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda err: problems.append(str(err)))
    return problems


def test_a_lead_logs_an_hour_for_two_members_on_a_phone_and_an_admin_approves_them_in_bulk(
        server, page, desktop_page, roster_world, ui_sign_in, shots):
    admin, lead, first, second, activity_id, expected = roster_world
    before = {p.id: balance(server.app, p) for p in (first, second)}
    problems = no_csp_problems(page)

    # The lead, on a 390×844 phone: /lead → the activity → quick "60" for both members → submit.
    ui_sign_in(page, lead)
    page.goto("/lead")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "/lead scrolls sideways on a 390 px phone"
    page.screenshot(path=str(shots / "lead-home-phone.png"), full_page=True)
    with page.expect_navigation():
        page.locator(f'a[href$="/lead/activities/{activity_id}"]').click()
    expect(page.locator("h1")).to_have_text("小区绿地除草")
    for person in (first, second):
        page.locator(f'.roster-quick[data-target="m-{person.id}"][data-minutes="60"]').click()
        expect(page.locator(f"#m-{person.id}")).to_have_value("60")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the roster scrolls sideways on a 390 px phone"
    page.screenshot(path=str(shots / "lead-roster-filled-phone.png"), full_page=True)
    with page.expect_navigation():
        page.locator("form:has(.roster-quick) [type=submit]").click()

    expect(page.locator(".alert-success")).to_contain_text("2")
    logged = page.locator("section:has(h2) .list-group-item", has=page.locator(".badge"))
    expect(logged).to_have_count(2)
    for person in (first, second):
        row = logged.filter(has_text=person.name)
        expect(row).to_have_count(1)
        expect(row.locator(".badge")).to_have_text("待审核")
        expect(row).to_contain_text(str(expected))
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the roster scrolls sideways after logging"
    page.screenshot(path=str(shots / "lead-roster-logged-phone.png"), full_page=True)
    assert {p.id: balance(server.app, p) for p in (first, second)} == before  # nothing credited yet
    assert problems == [], problems

    # The admin, on a PC: /approvals → select all → approve selected.
    admin_page = desktop_page
    admin_problems = no_csp_problems(admin_page)
    ui_sign_in(admin_page, admin)
    admin_page.goto("/approvals")
    for person in (first, second):
        expect(admin_page.locator("#bulk-form ~ div table tbody tr", has_text=person.name)).to_have_count(1)
    admin_page.locator("#select-all").check()
    picks = admin_page.locator("input.pick")
    assert picks.count() >= 2
    for i in range(picks.count()):
        expect(picks.nth(i)).to_be_checked()
    admin_page.screenshot(path=str(shots / "approvals-selected.png"), full_page=True)
    with admin_page.expect_navigation():
        admin_page.locator('button[form="bulk-form"]').click()
    expect(admin_page.locator(".alert-success")).to_contain_text(re.compile(r"已审批通过 \d+ 条"))
    expect(admin_page.locator("input.pick")).to_have_count(0)
    admin_page.screenshot(path=str(shots / "approvals-done.png"), full_page=True)
    assert admin_problems == [], admin_problems

    for person in (first, second):
        assert balance(server.app, person) == before[person.id] + expected

    # The lead sees them approved; the member sees the new balance on their phone.
    page.reload()
    for person in (first, second):
        expect(logged.filter(has_text=person.name).locator(".badge")).to_have_text("已通过")
    page.context.clear_cookies()
    ui_sign_in(page, first)
    expect(page.locator("#balance")).to_have_text(str(before[first.id] + expected))
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
