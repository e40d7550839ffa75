"""The public notice on a phone in Chinese: masked names, an objection sent; the monthly notice printed on A4."""

import re

from playwright.sync_api import expect

from core.timeutil import shanghai_today
from tests.factories import make_user
from tests.factories_accounts import make_community
from tests.factories_notices import in_notice, status
from tests.factories_points import approve, log, make_activity, make_team
from tests.factories_reports import place_user

NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"


def test_a_resident_objects_to_a_nomination_from_the_public_notice_on_a_phone(server, page, ui_sign_in, shots):
    app = server.app
    admin, reviewer = make_user(app, "admin", name="刘主任"), make_user(app, "admin", name="陈科长")
    nominee = make_user(app, name="王桂英", phone="13912345678")
    neighbour = make_user(app, name="赵建国")
    nomination_id = in_notice(app, nominee, admin, by=reviewer)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda err: problems.append(str(err)))

    page.goto("/notices")  # anyone, no sign-in
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    card = page.locator(f"#notice-{nomination_id}")
    expect(card.locator("[data-test=notice-name]")).to_have_text("王*英")
    expect(card).to_contain_text("长期照顾独居老人")
    expect(card).to_contain_text(status_day(app, nomination_id))
    text = page.locator("main").inner_text()
    assert "王桂英" not in text and "13912345678" not in text
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the notice scrolls sideways on a phone"
    expect(card.locator("textarea")).to_have_count(0)  # objecting needs a sign-in
    page.screenshot(path=str(shots / "notices-public-phone.png"), full_page=True)

    ui_sign_in(page, neighbour, next_path="/notices")
    page.goto("/notices")
    card = page.locator(f"#notice-{nomination_id}")
    card.locator("summary").click()
    card.locator("button[type=submit]").click()  # no reason: refused, nothing saved
    expect(page.locator(f"#notice-{nomination_id} textarea")).to_have_class(re.compile(r"\bis-invalid\b"))
    assert status(app, nomination_id) == "in_notice"
    page.locator(f"#notice-{nomination_id} textarea").fill("她上个月一直在外地，没有参加活动")
    with page.expect_navigation():
        page.locator(f"#notice-{nomination_id} button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator(f"#notice-{nomination_id}")).to_have_count(0)
    assert status(app, nomination_id) == "objected"
    page.screenshot(path=str(shots / "notices-objected-phone.png"), full_page=True)
    assert problems == []


def status_day(app, nomination_id: int) -> str:
    from tests.factories_notices import notice_ends

    return notice_ends(app, nomination_id).isoformat()


def test_the_monthly_notice_prints_forty_people_per_a4_sheet(server, desktop_page, ui_sign_in, shots):
    app = server.app
    today = shanghai_today()
    community = make_community(app, "怡园社区")["id"]
    admin, lead = make_user(app, "admin"), make_user(app, "team_lead")
    people = [make_user(app, name=f"居民{n:02d}号") for n in range(45)]
    for person in people:
        place_user(app, person.id, community)
    team = make_team(app, leads=[lead], members=people)
    activity = make_activity(app, team, lead, day=today)
    for person in people:
        approve(app, log(app, activity, person, 60, lead), admin)

    ui_sign_in(desktop_page, admin)
    desktop_page.goto(f"/notices/monthly?community_id={community}&month={today:%Y-%m}")
    expect(desktop_page.locator("[data-test=monthly-row]")).to_have_count(45)
    expect(desktop_page.locator("[data-test=sheet]").first).to_contain_text("怡园社区")
    assert "居民01号" not in desktop_page.locator("main").inner_text()
    desktop_page.emulate_media(media="print")
    pdf = desktop_page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    (shots / "monthly-notice.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 2, pages
