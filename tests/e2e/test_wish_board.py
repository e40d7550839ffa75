"""The micro-wish board on a phone, in Chinese: masked names, a resident posts and claims, no sideways scroll."""

import re

from playwright.sync_api import expect

from tests.factories import make_user
from tests.factories_community import make_wish

NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"
ALLOWED_LATIN = {"Jifen", "JF", "CSV"}


def english_words(text: str) -> list[str]:
    words = re.findall(r"\b[A-Za-z]{3,}\b", text)
    return [w for w in words if w not in ALLOWED_LATIN and not re.fullmatch(r"[A-Z0-9]+", w)]


def test_a_resident_reads_the_masked_board_claims_a_wish_and_posts_one_in_chinese(server, page, ui_sign_in, shots):
    app = server.app
    wisher = make_user(app, name="王桂英", phone="13912345678")
    make_wish(app, wisher, state="published", title="一副老花镜")
    make_wish(app, make_user(app, name="李秀兰"), state="claimed", title="轮椅维修")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda err: problems.append(str(err)))

    page.goto("/wishes")  # public: no sign-in needed to read it
    expect(page.locator("h1")).to_contain_text("微心愿墙")
    card = page.locator(".wish-card", has_text="一副老花镜")
    expect(card.locator(".wish-name")).to_have_text("王*英")
    expect(card.locator(".status-badge")).to_have_text("待认领")
    main_text = page.locator("main").inner_text()
    assert "王桂英" not in main_text and "13912345678" not in main_text and "请帮忙" not in main_text
    assert english_words(main_text) == []
    page.screenshot(path=str(shots / "wish-board-public-phone.png"), full_page=True)

    helper = make_user(app, name="张志强")
    ui_sign_in(page, helper)
    page.goto("/wishes")
    page.locator(".wish-card", has_text="一副老花镜").get_by_role("button", name="我来认领").click()
    expect(page.locator(".alert-success")).to_contain_text("您已认领")
    expect(page.locator(".wish-card", has_text="一副老花镜").locator(".status-badge")).to_have_text("已认领")
    expect(page.locator("#wishes-i-claimed")).to_contain_text("一副老花镜")

    page.locator("#wish-title").fill("智能手机使用教学")
    page.locator("#wish-details").fill("想学会视频通话")
    page.get_by_role("button", name="提交心愿").click()
    expect(page.locator(".alert-success")).to_contain_text("社区核实后")
    expect(page.locator("#my-wishes")).to_contain_text("智能手机使用教学")
    expect(page.locator("#my-wishes .status-badge")).to_have_text("核实中")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the wish board scrolls sideways on a phone"
    assert english_words(page.locator("main").inner_text()) == []
    page.screenshot(path=str(shots / "wish-board-resident-phone.png"), full_page=True)
    assert problems == []
