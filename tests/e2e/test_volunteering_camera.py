"""The resident's camera button on the check-in page: Chromium's fake camera shows the lead's QR,
qr-scanner reads it, the page opens the check-in link with the code filled in, one tap checks in."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_camera_scan import write_y4m
from tests.factories import make_user
from tests.factories_points import make_team
from tests.factories_volunteering import code_now, make_open_activity


@pytest.fixture
def attend_world(server):
    app = server.app
    lead = make_user(app, "team_lead", name="王建国")
    volunteer = make_user(app, name="孙秀英")
    team_id = make_team(app, leads=[lead], members=[volunteer], name="乐龄先锋")
    activity_id = make_open_activity(app, team_id, lead, open_=False, title="社区食堂助餐")
    return volunteer, activity_id


def test_a_volunteer_scans_the_leads_qr_with_the_camera_and_checks_in(
        playwright, browser_type_launch_args, browser_context_args, attend_world, server, ui_sign_in, tmp_path):
    volunteer, activity_id = attend_world
    link = f"{server.url}/attend?activity={activity_id}&code={code_now(server.app, activity_id)}"
    video = tmp_path / "attend-qr.y4m"
    write_y4m(video, link)
    browser = playwright.chromium.launch(**{
        **browser_type_launch_args,
        "args": [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 f"--use-file-for-fake-video-capture={video}"],
    })
    context = browser.new_context(**browser_context_args)
    context.grant_permissions(["camera"], origin=server.url)
    page = context.new_page()
    csp: list[str] = []
    page.on("console", lambda msg: csp.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        ui_sign_in(page, volunteer)
        page.goto("/attend")
        page.locator("#camera-start").click()
        expect(page.locator("#attend-activity")).to_have_text("社区食堂助餐", timeout=20000)
        expect(page.locator("#code")).to_have_value(link[-6:])
        page.locator("#check-in").click()
        expect(page.locator(".alert-success")).to_be_visible()
        assert csp == []
    finally:
        context.close()
        browser.close()
