"""A resident on a phone sees when their next points expire, and an expired entry in the history."""

from playwright.sync_api import expect

from tests.factories import make_user
from tests.factories_expiry import credit, months_from_today, set_expiry

NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"


def test_the_home_page_tells_a_resident_how_many_points_expire_and_when(server, page, ui_sign_in, shots):
    app = server.app
    resident = make_user(app, name="赵秀兰")
    set_expiry(app, 6)
    try:
        credit(app, resident.id, 18)
    finally:
        set_expiry(app, None)  # the rest of the session's tests run without expiry
    due = months_from_today(6).isoformat()

    ui_sign_in(page, resident)
    note = page.locator("#next-expiry")
    expect(note).to_be_visible()
    expect(note).to_contain_text("18")
    expect(note).to_contain_text(due)
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the home page scrolls sideways"
    note_px = page.evaluate("() => parseFloat(getComputedStyle(document.getElementById('next-expiry')).fontSize)")
    assert note_px >= 18, note_px  # large enough to read on a phone
    page.screenshot(path=str(shots / "resident-next-expiry-phone.png"), full_page=True)

    page.goto("/lang/en?next=/")
    expect(page.locator("#next-expiry")).to_have_text(f"18 points expire on {due}")
    page.screenshot(path=str(shots / "resident-next-expiry-phone-en.png"), full_page=True)
    page.goto("/lang/zh?next=/")
