"""`flask expire-points` and `flask verify` from the outside: output, refusals, a tampered lot."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from extensions import db
from points import ledger
from points.lots_verify import verify_lots
from tests.factories import make_user
from tests.factories_expiry import credit, debit, months_from_today, set_expiry


def invoke(app, *args: str):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)
        db.session.remove()
    return result


def test_expire_points_says_how_many_entries_and_points_and_a_second_run_posts_nothing(app):
    set_expiry(app, 36)
    first, second = make_user(app), make_user(app)
    credit(app, first.id, 40)
    credit(app, second.id, 7)
    due = months_from_today(36).isoformat()

    result = invoke(app, "expire-points", "--today", due)
    assert result.exit_code == 0, result.output
    assert f"Expired points due by {due}: 2 entries, 47 points posted." in result.output
    again = invoke(app, "expire-points", "--today", due)
    assert f"Expired points due by {due}: 0 entries, 0 points posted." in again.output
    with app.app_context():
        assert ledger.user_balance(first.id) == 0 and ledger.user_balance(second.id) == 0
    assert invoke(app, "verify").exit_code == 0


def test_expire_points_without_a_day_runs_for_today_and_finds_nothing_new(app):
    set_expiry(app, 36)
    credit(app, make_user(app).id, 5)
    result = invoke(app, "expire-points")
    assert result.exit_code == 0 and "0 entries, 0 points posted." in result.output


def test_expire_points_warns_of_points_expiring_within_30_days(app):
    set_expiry(app, 12)
    credit(app, make_user(app).id, 5)
    day = (months_from_today(12) - timedelta(days=30)).isoformat()
    assert "Sent 1 expiry_soon message(s)" in invoke(app, "expire-points", "--today", day).output
    assert "Sent 0 expiry_soon message(s)" in invoke(app, "expire-points", "--today", day).output


@pytest.mark.parametrize("bad", ["2026-13-01", "2026-02-30", "20261201", "２０２６-12-01", "2026-12-1x", "x" * 500])
def test_expire_points_refuses_a_bad_day_and_posts_nothing(app, bad):
    set_expiry(app, 1)
    credit(app, make_user(app).id, 5)
    result = invoke(app, "expire-points", "--today", bad)
    assert result.exit_code == 2 and "--today" in result.output
    assert "Traceback" not in result.output


def test_verify_catches_a_lot_changed_behind_the_applications_back(app):
    set_expiry(app, 6)
    resident = make_user(app)
    credit(app, resident.id, 10)
    assert invoke(app, "verify").exit_code == 0
    with app.app_context():
        db.session.execute(sa.text("UPDATE point_lots SET remaining = remaining - 3"))
        db.session.commit()
        problems = verify_lots()
        db.session.rollback()
    assert any("its lots hold 7 points but its balance is 10" in p for p in problems)
    assert any("lot " in p and "7 remaining" in p for p in problems)
    result = invoke(app, "verify")
    assert result.exit_code == 1 and "lots:" in result.output


def test_verify_catches_a_lot_whose_amount_no_longer_matches_its_credit(app):
    resident = make_user(app)
    credit(app, resident.id, 10)
    with app.app_context():
        db.session.execute(sa.text("UPDATE point_lots SET amount = 12, remaining = 12"))
        db.session.commit()
        problems = verify_lots()
        db.session.rollback()
    assert any("gave the credited account 12 in new lots" in p for p in problems)


def test_verify_catches_a_missing_draw(app):
    resident = make_user(app)
    credit(app, resident.id, 10)
    spent = debit(app, resident.id, 4)
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM lot_draws WHERE transfer_id = :t"), {"t": spent})
        db.session.execute(sa.text("UPDATE point_lots SET remaining = 6"))
        db.session.commit()
        problems = verify_lots()
        db.session.rollback()
    assert any(f"transfer {spent}" in p and "drew 0" in p for p in problems)
