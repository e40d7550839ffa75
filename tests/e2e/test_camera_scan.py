"""The counter's camera button in a real browser: Chromium's fake camera shows a card's QR code,
qr-scanner (in its web worker, under the strict CSP) reads it and the resident appears."""

import pytest
import segno
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM_ARGS, DESKTOP
from tests.factories import make_user
from tests.factories_store import give_points, make_item, make_store

WIDTH, HEIGHT, FRAMES = 640, 480, 5


def write_y4m(path, text: str) -> Image.Image:
    """A few identical 640×480 I420 frames: a big black-on-white QR of text, centred; returns the frame."""
    qr = segno.make(text, error="m", micro=False)
    modules = [[0 if dark else 255 for dark in row] for row in qr.matrix]
    side = len(modules)
    # qr-scanner reads only the central square of 2/3 of the smaller side (320 px here):
    # keep the whole symbol, with a quiet zone, well inside it.
    scale = (min(WIDTH, HEIGHT) * 2 // 3 - 80) // side
    symbol = Image.frombytes("L", (side, side), bytes(v for row in modules for v in row))
    symbol = symbol.resize((side * scale, side * scale), Image.NEAREST)
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(symbol, ((WIDTH - symbol.width) // 2, (HEIGHT - symbol.height) // 2))
    # C420jpeg is full-range YUV: luma is the grey image itself, chroma is neutral (128).
    y_plane = frame.tobytes()
    chroma = bytes([128]) * ((WIDTH // 2) * (HEIGHT // 2))
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(FRAMES):
            out.write(b"FRAME\n")
            out.write(y_plane)
            out.write(chroma)
            out.write(chroma)
    return frame


@pytest.fixture
def camera_world(server):
    """A keeper of a store with one item, and a resident holding 75 points."""
    app = server.app
    keeper = make_user(app, "store_keeper", name="赵店长")
    resident = make_user(app, name="陈淑芬", phone="13700001111")
    store = make_store(app, keeper.id, name="和平里积分超市")
    make_item(app, store.id, name="酱油", price=8, stock=20)
    give_points(app, resident.id, 75)
    return keeper, resident


@pytest.fixture
def camera_page(playwright, browser_type_launch_args, browser_context_args, camera_world, tmp_path, server):
    """A separate Chromium whose fake camera shows the resident's card QR; camera allowed for the server."""
    _, resident = camera_world
    video = tmp_path / "card-qr.y4m"
    frame = write_y4m(video, resident.card_code)
    assert [r.text for r in zxingcpp.read_barcodes(frame)] == [resident.card_code], "the test frame does not scan"
    browser = playwright.chromium.launch(**{
        **browser_type_launch_args,
        "args": [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 f"--use-file-for-fake-video-capture={video}"],
    })
    context = browser.new_context(**{**browser_context_args, "viewport": DESKTOP})
    context.grant_permissions(["camera"], origin=server.url)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
        browser.close()


def test_a_keeper_scans_a_card_with_the_camera_and_sees_the_resident(camera_page, camera_world, ui_sign_in,
                                                                        shots):
    page = camera_page
    keeper, resident = camera_world
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda err: console.append(f"pageerror: {err}"))

    ui_sign_in(page, keeper)
    page.goto("/store/counter")
    start = page.locator("#camera-start")
    expect(start).to_be_enabled()  # disabled only when qr-scanner failed to load
    start.click()
    expect(page.locator("#camera-box")).to_be_visible()

    # qr-scanner decodes the frame and counter.js submits the code: the basket for the resident opens.
    try:
        expect(page.locator("#resident-name")).to_have_text("陈淑芬", timeout=45000)  # decoding runs in a worker; CI machines are busy
    except AssertionError as error:
        page.screenshot(path=str(shots / "counter-camera-failed.png"), full_page=True)
        status = page.locator("#camera-status").all_inner_texts()
        raise AssertionError(f"{error}\ncamera status: {status}\nconsole:\n" + "\n".join(console)) from None
    expect(page.locator("#resident-balance")).to_have_text("75")
    expect(page.locator("#resident-name")).to_be_visible()
    page.screenshot(path=str(shots / "counter-camera-scanned.png"), full_page=True)
    problems = [line for line in console if "Content Security Policy" in line or line.startswith("pageerror")]
    assert problems == [], problems
