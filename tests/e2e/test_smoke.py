"""The newcomer's first journey: a resident signs in on a phone and sees their balance."""

from playwright.sync_api import expect

from accounts.models import User
from extensions import db
from tests.factories import make_user


def give_points(app, resident, points: int, admin) -> None:
    """Credit points the way an admin does: an audited manual adjustment."""
    from points.awards import adjust_points

    with app.app_context():
        actor = db.session.get(User, admin.id)
        adjust_points(resident.id, points, "期初积分（测试）", actor, key=f"e2e-smoke:{resident.id}")


def test_resident_signs_in_on_a_phone_and_sees_their_balance(server, page, ui_sign_in, shots):
    admin = make_user(server.app, "admin")
    resident = make_user(server.app, name="王秀英", phone="13800138000")
    give_points(server.app, resident, 128, admin)

    ui_sign_in(page, resident)

    main = page.locator("main")
    expect(main).to_contain_text("128")
    expect(page.locator("body")).to_contain_text("王秀英")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), \
        "the resident's home page scrolls sideways on a 390 px phone"
    page.screenshot(path=shots / "smoke_resident_home_phone.png", full_page=True)


def test_health_check_answers_through_gunicorn(server, page):
    response = page.request.get(f"{server.url}/healthz")
    assert response.status == 200
    assert response.json() == {"status": "ok"}
