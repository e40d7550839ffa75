"""The ledger's promises: exact balances, no overdraft, idempotent keys, append-only, reversals once."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from audit.service import verify_chain
from core.db import run_write
from core.errors import AlreadyReversed, IdempotencyConflict, InsufficientPoints
from extensions import db
from points import ledger
from points.ledger_models import ISSUER_ACCOUNT_ID, Account, Transfer
from tests.factories import make_user


def award(user_id, amount, key):
    return run_write(lambda: ledger.issue_to_user(
        user_id=user_id, amount=amount, kind="adjustment", key=key,
        body_hash=ledger.request_hash({"k": key, "a": amount}), actor_id=None, memo="test",
        source_type="test", source_id=1).id)


def spend(user_id, amount, key):
    return run_write(lambda: ledger.take_from_user(
        user_id=user_id, amount=amount, kind="adjustment", key=key,
        body_hash=ledger.request_hash({"k": key, "a": amount}), actor_id=None, memo="test",
        source_type="test", source_id=1).id)


def test_award_and_spend_keep_balances_exact_and_summing_to_zero(app):
    resident = make_user(app)
    with app.app_context():
        award(resident.id, 30, "a1")
        spend(resident.id, 12, "s1")
        assert ledger.user_balance(resident.id) == 18
        total = db.session.execute(sa.select(sa.func.sum(Account.credits_posted - Account.debits_posted))).scalar()
        assert total == 0
        assert ledger.account_balance(ISSUER_ACCOUNT_ID) == -18


def test_overdraft_is_refused_and_changes_nothing(app):
    resident = make_user(app)
    with app.app_context():
        award(resident.id, 5, "a1")
        with pytest.raises(InsufficientPoints):
            spend(resident.id, 6, "s1")
        assert ledger.user_balance(resident.id) == 5
        assert db.session.execute(sa.select(sa.func.count(Transfer.id))).scalar() == 1


def test_same_key_other_body_is_a_conflict(app):
    resident = make_user(app)
    with app.app_context():
        award(resident.id, 5, "k")
        with pytest.raises(IdempotencyConflict):
            ledger.find_replay("k", ledger.request_hash({"k": "k", "a": 6}))
        assert ledger.find_replay("k", ledger.request_hash({"k": "k", "a": 5})) is not None


def test_a_transfer_is_reversed_at_most_once(app):
    resident = make_user(app)
    with app.app_context():
        tid = award(resident.id, 5, "a1")
        run_write(lambda: ledger.reverse(tid, key="r1", actor_id=None, memo="undo"))
        assert ledger.user_balance(resident.id) == 0
        with pytest.raises(AlreadyReversed):
            run_write(lambda: ledger.reverse(tid, key="r2", actor_id=None, memo="again"))


def test_reversal_of_spent_points_is_refused(app):
    resident = make_user(app)
    with app.app_context():
        tid = award(resident.id, 5, "a1")
        spend(resident.id, 3, "s1")
        with pytest.raises(InsufficientPoints):
            run_write(lambda: ledger.reverse(tid, key="r1", actor_id=None, memo="undo"))
        assert ledger.user_balance(resident.id) == 2


@pytest.mark.parametrize("statement", [
    "UPDATE transfers SET amount = 999", "DELETE FROM transfers",
    "UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events",
])
def test_transfers_and_audit_events_are_append_only_in_the_database(app, statement):
    resident = make_user(app)
    with app.app_context():
        award(resident.id, 5, "a1")
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
        assert verify_chain().ok


@pytest.mark.parametrize("direction", ["to_lower_id", "to_higher_id"])
def test_one_update_moves_both_sides_and_a_refused_debit_leaves_both_untouched(app, direction):
    """post() moves debit and credit in one statement: the credit row must not move on its own."""
    payer, payee = make_user(app), make_user(app)
    with app.app_context():
        award(payer.id, 7, "a-payer")
        award(payee.id, 1, "a-payee")
        ids = {u.id: ledger.user_account_id(u.id) for u in (payer, payee)}
        db.session.commit()
        if (ids[payer.id] < ids[payee.id]) != (direction == "to_higher_id"):
            payer, payee = payee, payer  # the paying account sits on the side the case is about
            award(payer.id, 6, "a-top-up")

        def move(amount, key):
            return run_write(lambda: ledger.post(ledger.Posting(
                key, ledger.request_hash(key), ids[payer.id], ids[payee.id], amount, "adjustment", None)))

        before = {u: ledger.user_balance(u) for u in ids}
        posted = move(4, "move-ok")
        assert (posted.debit_balance_after, posted.credit_balance_after) == (before[payer.id] - 4, before[payee.id] + 4)
        with pytest.raises(InsufficientPoints):
            move(before[payer.id], "move-too-much")
        assert ledger.user_balance(payer.id) == before[payer.id] - 4
        assert ledger.user_balance(payee.id) == before[payee.id] + 4
        rows = db.session.execute(sa.select(Account.debits_posted, Account.credits_posted)
                                  .where(Account.id == ids[payee.id])).one()
        assert rows.credits_posted - rows.debits_posted == before[payee.id] + 4
        assert db.session.execute(sa.select(Transfer.id).where(Transfer.idempotency_key == "move-too-much")).first() is None
