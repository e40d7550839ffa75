"""Volunteering on phones, in Chinese: a resident signs up, the lead shows the code, the resident checks
in (from the QR's link) and out (typing the code), the admin approves, and the resident prints a
certificate whose QR decodes to its own verification page."""

import io
import re
from datetime import timedelta

import sqlalchemy as sa
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from core.timeutil import shanghai_today, utcnow
from extensions import db
from tests.factories import make_user
from tests.factories_points import make_team
from tests.factories_volunteering import make_open_activity

A4_MM = (210, 297)


def decode_qr(locator) -> list[str]:
    image = Image.open(io.BytesIO(locator.screenshot())).convert("L")
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def pdf_first_page_size_mm(pdf: bytes) -> tuple[float, float]:
    box = re.search(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", pdf)
    x0, y0, x1, y1 = (float(v) for v in box.groups())
    return (x1 - x0) * 25.4 / 72, (y1 - y0) * 25.4 / 72


def backdate_check_in(app, activity_id: int, minutes: int) -> None:
    from volunteering.models import Attendance

    with app.app_context():
        db.session.execute(sa.update(Attendance).where(Attendance.activity_id == activity_id)
                           .values(checked_in_at=utcnow() - timedelta(minutes=minutes)))
        db.session.commit()


def test_sign_up_check_in_and_out_approve_and_print_a_verifiable_certificate(
        server, browser, browser_context_args, ui_sign_in, shots):
    app = server.app
    admin = make_user(app, "admin", name="张莉")
    lead = make_user(app, "team_lead", name="陈楠")
    resident = make_user(app, name="吕婷")
    team_id = make_team(app, leads=[lead], name="兰花芬芳志愿服务队")
    activity_id = make_open_activity(app, team_id, lead, capacity=5, title="河道清理")

    contexts = [browser.new_context(**{**browser_context_args, "device_scale_factor": 2}) for _ in range(3)]
    resident_page, lead_page, admin_page = (c.new_page() for c in contexts)
    csp: list[str] = []
    for p in (resident_page, lead_page, admin_page):
        p.on("console", lambda msg: csp.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        # The resident finds the activity on the phone and signs up.
        ui_sign_in(resident_page, resident)
        resident_page.goto("/activities")
        expect(resident_page.locator("html")).to_have_attribute("lang", "zh-CN")
        card = resident_page.locator(f"#activity-{activity_id}")
        expect(card).to_contain_text("河道清理")
        card.locator("button[type=submit]").click()
        expect(card.locator(".badge.text-bg-success")).to_be_visible()
        assert resident_page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
        resident_page.screenshot(path=str(shots / "volunteering-activities.png"), full_page=True)

        # The lead sees who signed up and shows the code full screen.
        ui_sign_in(lead_page, lead)
        lead_page.goto(f"/lead/activities/{activity_id}/signups")
        expect(lead_page.locator("body")).to_contain_text("吕婷")
        lead_page.locator("#show-code").click()
        digits = lead_page.locator("#code-digits")
        expect(digits).to_have_text(re.compile(r"^[0-9]{6}$"))
        lead_page.screenshot(path=str(shots / "volunteering-code.png"))
        links = decode_qr(lead_page.locator("#code-qr"))
        assert len(links) == 1 and re.search(rf"/attend\?activity={activity_id}&code=[0-9]{{6}}$", links[0]), links

        # The resident opens the QR's link (what the phone camera does) and confirms with one tap.
        resident_page.goto(links[0])
        expect(resident_page.locator("#code")).to_have_value(links[0][-6:])
        resident_page.locator("#check-in").click()
        expect(resident_page.locator(".alert-success")).to_be_visible()

        # Ninety minutes later the resident types the code the lead's screen shows now and checks out.
        backdate_check_in(app, activity_id, 90)
        resident_page.goto(f"/attend?activity={activity_id}")
        lead_page.reload()
        resident_page.locator("#code").fill(lead_page.locator("#code-digits").inner_text())
        resident_page.locator("#check-out").click()
        expect(resident_page.locator(".alert-success")).to_contain_text("90")
        with app.app_context():
            from volunteering.models import Attendance
            hours_id = db.session.execute(sa.select(Attendance.hours_id).where(
                Attendance.activity_id == activity_id)).scalar_one()
        assert hours_id

        # The admin approves the proposed record as any other.
        ui_sign_in(admin_page, admin)
        admin_page.goto("/approvals")
        admin_page.locator(f"form[action$='/approvals/{hours_id}/approve'] button").click()
        admin_page.wait_for_load_state()
        with app.app_context():
            from points.models import HourRecord
            assert db.session.get(HourRecord, hours_id).status == "approved"

        # The resident asks for a certificate of today's service and prints it on A4.
        resident_page.goto("/certificates")
        today = shanghai_today().isoformat()
        resident_page.locator("#start").fill(today)
        resident_page.locator("#end").fill(today)
        resident_page.locator("#request-certificate").click()
        expect(resident_page.locator("#certificate-number")).to_have_text(re.compile(r"^JF-\d{4}-\d{6}$"))
        number = resident_page.locator("#certificate-number").inner_text()
        expect(resident_page.locator("#certificate")).to_contain_text("河道清理")
        expect(resident_page.locator("#certificate-name")).to_have_text("吕婷")
        resident_page.emulate_media(media="print")
        resident_page.screenshot(path=str(shots / "volunteering-certificate.png"), full_page=True)
        pdf = resident_page.pdf(prefer_css_page_size=True, print_background=True)
        (shots / "volunteering-certificate.pdf").write_bytes(pdf)
        width, height = pdf_first_page_size_mm(pdf)
        assert abs(width - A4_MM[0]) < 1 and abs(height - A4_MM[1]) < 1, (width, height)
        verification = decode_qr(resident_page.locator("#certificate-qr"))
        assert verification == [f"{server.url}/certificates/{number}"], verification

        # Anyone who opens that link sees the certificate with the name masked.
        stranger = contexts[2].new_page()
        contexts[2].clear_cookies()
        stranger.goto(verification[0])
        expect(stranger.locator("#certificate-name")).to_have_text("吕*")
        assert csp == []
    finally:
        for c in contexts:
            c.close()
