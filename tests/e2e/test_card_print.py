"""The member card in a real browser: shown on a phone, printed at ID-card size, and its QR scans back."""

import io
import re

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.factories import make_user

CARD_WIDTH_MM, CARD_HEIGHT_MM = 85.6, 54
PHONE_NUMBER = "13912345678"


def pdf_page_count(pdf: bytes) -> int:
    """Pages in a Chromium-made PDF: count the /Type /Page objects (not /Pages)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def pdf_first_page_size_mm(pdf: bytes) -> tuple[float, float]:
    box = re.search(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", pdf)
    assert box, "the PDF has no MediaBox"
    x0, y0, x1, y1 = (float(v) for v in box.groups())
    return (x1 - x0) * 25.4 / 72, (y1 - y0) * 25.4 / 72


def test_a_resident_prints_their_card_at_id_card_size_and_the_qr_scans_back(
        server, browser, browser_context_args, ui_sign_in, shots):
    resident = make_user(server.app, name="李桂兰", phone=PHONE_NUMBER)
    # A phone at 3× pixels, so the print-media screenshot of the card has a crisp QR.
    context = browser.new_context(**{**browser_context_args, "device_scale_factor": 3})
    page = context.new_page()
    csp: list[str] = []
    page.on("console", lambda msg: csp.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        ui_sign_in(page, resident)
        page.goto("/card")
        card = page.locator("section.member-card")
        expect(card).to_be_visible()
        expect(card.locator(".member-card-name")).to_have_text("李桂兰")
        # The code is shown in groups of four ("JF 1234 5678 …"); read back without spaces it is the code.
        expect(card.locator(".member-card-code")).to_have_text(re.compile(r"^JF[0-9A-Z ]+$"))
        shown = card.locator(".member-card-code").inner_text().replace(" ", "")
        assert shown == resident.card_code
        # No phone number on a card that is shown to strangers at the counter, masked or not.
        card_text = card.inner_text()
        assert PHONE_NUMBER not in card_text
        assert not re.search(r"1\d{2}\*{4}\d{4}|\d{7,}", card_text.replace(resident.card_code, "")), card_text
        assert PHONE_NUMBER not in (card.locator("img").get_attribute("alt") or "")
        assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth"), \
            "the card page scrolls sideways on a 390 px phone"
        page.screenshot(path=str(shots / "card-phone.png"), full_page=True)

        # Print: the card's own @page (85.6 × 54 mm, no margin) gives exactly one card-sized page.
        page.emulate_media(media="print")
        expect(page.locator("[data-print]")).to_be_hidden()  # the buttons are d-print-none
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        (shots / "card-print.pdf").write_bytes(pdf)
        assert pdf_page_count(pdf) == 1
        width_mm, height_mm = pdf_first_page_size_mm(pdf)
        assert abs(width_mm - CARD_WIDTH_MM) < 0.5 and abs(height_mm - CARD_HEIGHT_MM) < 0.5, (width_mm, height_mm)
        # Forced to the card size from outside, it still fits on one page.
        forced = page.pdf(width=f"{CARD_WIDTH_MM}mm", height=f"{CARD_HEIGHT_MM}mm", print_background=True)
        assert pdf_page_count(forced) == 1

        # The card as printed (print media), rendered at 3×: the QR decodes to the card code.
        box = card.bounding_box()
        assert box and box["width"] > box["height"] > 0
        ratio = box["width"] / box["height"]
        assert abs(ratio - CARD_WIDTH_MM / CARD_HEIGHT_MM) < 0.03, f"card aspect {ratio:.3f} is not 85.6:54"
        png = card.screenshot(path=str(shots / "card-print-media.png"))
        image = Image.open(io.BytesIO(png)).convert("L")
        results = zxingcpp.read_barcodes(image)
        qr = [r for r in results if r.format == zxingcpp.BarcodeFormat.QRCode]
        assert [r.text for r in qr] == [resident.card_code], [(r.format, r.text) for r in results]
        assert csp == []
    finally:
        context.close()
