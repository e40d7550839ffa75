"""Lots: each credit a lot with its expiry fixed when credited; spending takes the soonest first."""

from datetime import timedelta

from extensions import db
from points import ledger
from points.lots_verify import verify_lots
from tests.factories import make_user
from tests.factories_expiry import (
    credit,
    debit,
    draws_of,
    lots_of,
    months_from_today,
    reverse,
    set_expiry,
)


def lots_agree(app) -> list[str]:
    with app.app_context():
        problems = verify_lots()
        db.session.rollback()
        return problems


def test_without_a_policy_a_credit_never_expires(app):
    resident = make_user(app)
    credit(app, resident.id, 50)
    assert lots_of(app, resident.id) == [(50, 50, None)]
    assert lots_agree(app) == []


def test_a_credit_expires_the_set_months_after_it_and_a_later_policy_change_moves_nothing(app):
    resident = make_user(app)
    set_expiry(app, 36)
    credit(app, resident.id, 40)
    set_expiry(app, 12)
    credit(app, resident.id, 10)
    assert lots_of(app, resident.id) == [(40, 40, months_from_today(36)), (10, 10, months_from_today(12))]


def test_spending_takes_the_soonest_expiring_points_first_then_never_expiring_ones(app):
    resident = make_user(app)
    credit(app, resident.id, 30)                  # never expires
    set_expiry(app, 36)
    credit(app, resident.id, 20)                  # in 36 months
    set_expiry(app, 6)
    credit(app, resident.id, 10)                  # in 6 months: spent first
    spent = debit(app, resident.id, 25)
    assert draws_of(app, spent) == [(months_from_today(36), 15), (months_from_today(6), 10)]
    assert lots_of(app, resident.id) == [(30, 30, None), (20, 5, months_from_today(36)),
                                         (10, 0, months_from_today(6))]
    spent_again = debit(app, resident.id, 10)
    assert draws_of(app, spent_again) == [(None, 5), (months_from_today(36), 5)]
    assert lots_agree(app) == []


def test_among_lots_of_one_date_the_oldest_goes_first(app):
    resident = make_user(app)
    set_expiry(app, 12)
    credit(app, resident.id, 5)
    credit(app, resident.id, 5)
    debit(app, resident.id, 7)
    assert [remaining for _, remaining, _ in lots_of(app, resident.id)] == [0, 3]


def test_a_void_gives_the_points_back_to_the_lots_they_came_from_with_their_dates(app):
    resident = make_user(app)
    set_expiry(app, 6)
    credit(app, resident.id, 10)
    set_expiry(app, 24)
    credit(app, resident.id, 10)
    spent = debit(app, resident.id, 15)
    assert [r for _, r, _ in lots_of(app, resident.id)] == [0, 5]
    set_expiry(app, 1)  # the policy of the day of the void does not matter
    reverse(app, spent)
    assert lots_of(app, resident.id) == [(10, 10, months_from_today(6)), (10, 10, months_from_today(24))]
    assert lots_agree(app) == []


def test_a_reversal_of_a_credit_takes_back_that_credits_lot(app):
    resident = make_user(app)
    set_expiry(app, 6)
    credit(app, resident.id, 10)
    set_expiry(app, 36)
    later = credit(app, resident.id, 20)
    reverse(app, later)  # not soonest-first: the reversed credit's own lot
    assert lots_of(app, resident.id) == [(10, 10, months_from_today(6)), (20, 0, months_from_today(36))]
    assert lots_agree(app) == []


def test_reversing_a_partly_spent_credit_takes_its_lot_then_the_soonest_others(app):
    resident = make_user(app)
    set_expiry(app, 36)
    first = credit(app, resident.id, 10)
    set_expiry(app, 6)
    credit(app, resident.id, 5)
    debit(app, resident.id, 8)  # the 6-month lot (5), then 3 of the 36-month lot
    set_expiry(app, None)
    credit(app, resident.id, 10)
    reverse(app, first)  # its own lot's 7, then 3 from the never-expiring lot
    assert [r for _, r, _ in lots_of(app, resident.id)] == [0, 0, 7]
    with app.app_context():
        assert ledger.user_balance(resident.id) == 7
    assert lots_agree(app) == []


def test_a_transfer_between_residents_gives_the_receiver_the_givers_dates(app):
    giver, receiver = make_user(app), make_user(app)
    set_expiry(app, 6)
    credit(app, giver.id, 10)
    set_expiry(app, 36)
    credit(app, giver.id, 10)
    with app.app_context():
        from uuid import uuid4

        from core.db import run_write
        key = uuid4().hex
        gift = run_write(lambda: ledger.post(ledger.Posting(
            key, ledger.request_hash(key), ledger.user_account_id(giver.id), ledger.user_account_id(receiver.id),
            15, "gift", None, "gift")))
    assert sorted(lots_of(app, receiver.id), key=lambda lot: lot[2]) == [
        (10, 10, months_from_today(6)), (5, 5, months_from_today(36))]
    reverse(app, gift.id)
    assert [r for _, r, _ in lots_of(app, giver.id)] == [10, 10]
    assert [r for _, r, _ in lots_of(app, receiver.id)] == [0, 0]
    assert lots_agree(app) == []


def test_a_month_end_credit_expires_on_the_last_day_of_a_shorter_month():
    from datetime import date

    from points.lots import add_months
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 2), 36) == date(2029, 12, 2)
    assert add_months(date(2026, 12, 2), 36) - timedelta(days=1) == date(2029, 12, 1)
