"""An elderly resident on a phone, in Chinese: told of approved hours, large text, the card full screen."""

import re

from playwright.sync_api import expect

from tests.factories import make_user
from tests.factories_points import approve, log, make_activity, make_team

NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"
ALLOWED_LATIN = {"Jifen", "JF", "CSV"}


def english_words(text: str) -> list[str]:
    """Latin words of three letters or more that are not codes, brand or numbers."""
    words = re.findall(r"\b[A-Za-z]{3,}\b", text)
    return [w for w in words if w not in ALLOWED_LATIN and not re.fullmatch(r"[A-Z0-9]+", w)]


def watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda err: problems.append(str(err)))
    return problems


def test_an_elderly_resident_reads_the_approval_switches_on_large_text_and_shows_the_card(
        server, page, ui_sign_in, shots):
    app = server.app
    admin = make_user(app, "admin", name="刘主任")
    lead = make_user(app, "team_lead", name="孙队长")
    resident = make_user(app, name="王桂英")
    team_id = make_team(app, leads=[lead], members=[resident], name="敬老志愿服务队")
    activity_id = make_activity(app, team_id, lead, title="敬老院陪护")
    approve(app, log(app, activity_id, resident, 180, lead), admin)
    problems = watch(page)

    ui_sign_in(page, resident)
    badge = page.locator("#unread-badge")
    expect(badge).to_have_text("1")
    page.locator(".home-actions a[href='/notifications']").click()
    message = page.locator(".inbox-unread .inbox-text").first
    expect(message).to_contain_text("敬老院陪护")
    expect(message).to_contain_text("审核通过")
    expect(message).to_contain_text("3 小时")
    assert english_words(page.locator("main").inner_text()) == []
    page.screenshot(path=str(shots / "resident-inbox-phone.png"), full_page=True)
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.locator("#unread-badge")).to_have_count(0)

    page.goto("/")
    page.locator("#care-mode-toggle").click()
    expect(page.locator("body")).to_have_class(re.compile(r"\bcare-mode\b"))
    body_px = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    balance_px = page.evaluate("() => parseFloat(getComputedStyle(document.getElementById('balance')).fontSize)")
    tap_px = page.evaluate("() => Math.min(...[...document.querySelectorAll('.home-action')]"
                           ".map(e => e.getBoundingClientRect().height))")
    assert body_px >= 18 and balance_px >= 48 and tap_px >= 48, (body_px, balance_px, tap_px)
    expect(page.locator(".plain-hours").first).to_contain_text("3 小时")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the large-text home scrolls sideways"
    assert english_words(page.locator("main").inner_text()) == []
    page.screenshot(path=str(shots / "resident-care-mode-phone.png"), full_page=True)

    page.reload()  # it stays on
    expect(page.locator("body")).to_have_class(re.compile(r"\bcare-mode\b"))
    page.locator(".home-actions a[href='/card/show']").click()
    qr = page.locator("img.card-show-qr")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] >= 300, box
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.screenshot(path=str(shots / "resident-card-fullscreen-phone.png"))
    assert problems == []
