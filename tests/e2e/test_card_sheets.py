"""A4 sheets of member cards: ten to a sheet, printed by Chromium, and every QR scans back from the PDF."""

import pypdfium2
import zxingcpp

from tests.factories import make_user
from tests.factories_accounts import make_community

A4_MM = (210, 297)


def _decode_pdf(pdf: bytes) -> tuple[list[tuple[float, float]], list[str]]:
    """Page sizes in mm and the texts of every QR code on the pages, rendered at 300 dpi."""
    document = pypdfium2.PdfDocument(pdf)
    sizes, codes = [], []
    for index in range(len(document)):
        page = document[index]
        width, height = page.get_size()
        sizes.append((width * 25.4 / 72, height * 25.4 / 72))
        image = page.render(scale=300 / 72).to_pil().convert("L")
        codes += [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
    return sizes, codes


def test_an_admin_prints_a_communitys_cards_ten_to_an_a4_sheet_and_each_qr_scans(
        server, desktop_page, ui_sign_in, shots):
    community = make_community(server.app, "幸福里社区", grids=("一网格",))
    residents = [make_user(server.app, name=f"居民{i:02d}", community_id=community["id"]) for i in range(12)]
    make_user(server.app, name="别的社区", community_id=None)
    admin = make_user(server.app, "admin")
    page = desktop_page
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    ui_sign_in(page, admin)
    page.goto(f"/people/card-sheets?community_id={community['id']}")
    assert page.locator("section.card-sheet").count() == 2
    assert page.locator(".sheet-card").count() == 12
    page.screenshot(path=str(shots / "card-sheets-screen.png"), full_page=True)
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (shots / "card-sheets.pdf").write_bytes(pdf)
    sizes, codes = _decode_pdf(pdf)
    assert len(sizes) == 2, sizes
    for width, height in sizes:
        assert abs(width - A4_MM[0]) < 1 and abs(height - A4_MM[1]) < 1, sizes
    assert sorted(codes) == sorted(r.card_code for r in residents)
    assert errors == []


def test_the_sheet_page_refuses_bad_ids_and_is_for_admins(server, desktop_page, ui_sign_in):
    import requests

    assert requests.get(f"{server.url}/people/card-sheets?community_id=²", allow_redirects=False).status_code == 302
    admin = make_user(server.app, "admin")
    ui_sign_in(desktop_page, admin)
    assert desktop_page.goto("/people/card-sheets?community_id=²").status == 400
    assert desktop_page.goto("/people/card-sheets?community_id=99999999").status == 404
    assert desktop_page.goto("/people/card-sheets").status == 200
