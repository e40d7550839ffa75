"""Ledger extension points: transfer kinds as data, the posting hook, reversals naming their kind."""

from dataclasses import replace
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.db import run_write
from core.errors import InsufficientPoints
from extensions import db
from points import ledger
from points.ledger_models import ISSUER_ACCOUNT_ID, Account, Transfer, TransferKind
from tests.factories import make_user


def posting(app, user_id: int, amount: int, kind: str, *, debit: bool = False) -> ledger.Posting:
    with app.app_context():
        account = run_write(lambda: ledger.user_account_id(user_id))
    key = f"ext:{uuid4().hex}"
    ends = (account, ISSUER_ACCOUNT_ID) if debit else (ISSUER_ACCOUNT_ID, account)
    return ledger.Posting(key, ledger.request_hash(key), *ends, amount, kind, None, memo="test")


@pytest.fixture
def hook_calls():
    """A posting hook for the test's length (hooks are process-wide, so it is taken out after)."""
    calls = []

    def hook(p, transfer_id, at):
        calls.append((p, transfer_id, at))

    ledger.register_posting_hook(hook)
    yield calls
    ledger._posting_hooks.remove(hook)


def test_the_seeded_kinds_include_expiry_deduction_and_gift(app):
    with app.app_context():
        codes = set(db.session.execute(sa.select(TransferKind.code)).scalars())
    assert codes >= {"hours_award", "commendation", "adjustment", "redemption", "reversal",
                     "expiry", "deduction", "gift"}


def test_a_new_kind_is_one_insert_and_then_posts(app):
    user = make_user(app)
    with app.app_context():
        run_write(lambda: db.session.execute(sa.insert(TransferKind.__table__).values(code="bonus", name="Bonus")))
    p = posting(app, user.id, 30, "bonus")
    with app.app_context():
        posted = run_write(lambda: ledger.post(p))
        assert posted.kind == "bonus" and posted.credit_balance_after == 30
        assert db.session.get(Transfer, posted.id).kind == "bonus"
        assert ledger.user_balance(user.id) == 30


def test_an_unknown_kind_is_refused_by_the_database_and_nothing_moves(app):
    user = make_user(app)
    p = posting(app, user.id, 30, "free_money")
    with app.app_context():
        with pytest.raises(IntegrityError):
            run_write(lambda: ledger.post(p))
        db.session.rollback()
        assert ledger.user_balance(user.id) == 0
        assert db.session.get(Account, ISSUER_ACCOUNT_ID).debits_posted == 0
        assert db.session.execute(sa.select(Transfer.id).where(Transfer.idempotency_key == p.key)).first() is None


def test_post_answers_the_transfer_and_balances_without_an_orm_object(app):
    user = make_user(app)
    p = posting(app, user.id, 25, "adjustment")
    with app.app_context():
        posted = run_write(lambda: ledger.post(p))
        stored = db.session.get(Transfer, posted.id)
        assert (posted.idempotency_key, posted.amount, posted.kind) == (p.key, 25, "adjustment")
        assert posted.credit_balance_after == stored.credit_balance_after == 25
        assert posted.debit_balance_after == stored.debit_balance_after == -25
        assert stored.checksum == ledger.transfer_checksum(stored)  # verify recomputes the same
        assert posted.created_at is not None


def test_the_posting_hook_is_called_once_per_post_in_the_same_transaction(app, hook_calls):
    user = make_user(app)
    p = posting(app, user.id, 40, "adjustment")

    def work():
        posted = ledger.post(p)
        # The hook already ran, inside this transaction: the transfer it names is visible here.
        assert db.session.get(Transfer, hook_calls[-1][1]) is not None
        return posted

    with app.app_context():
        posted = run_write(work)
    assert len(hook_calls) == 1
    called_posting, transfer_id, at = hook_calls[0]
    # The hook is told the posting with the two accounts' kinds filled in (read by the same updates).
    assert called_posting == replace(p, debit_account_kind="issuer", credit_account_kind="resident")
    assert transfer_id == posted.id and at == posted.created_at


def test_a_refusing_hook_rolls_the_whole_posting_back(app):
    user = make_user(app)
    p = posting(app, user.id, 40, "adjustment")

    def refuse(posting_, transfer_id, at):
        raise InsufficientPoints()  # e.g. no unexpired lot left to take from

    ledger.register_posting_hook(refuse)
    try:
        with app.app_context():
            with pytest.raises(InsufficientPoints):
                run_write(lambda: ledger.post(p))
            db.session.rollback()
            assert ledger.user_balance(user.id) == 0
            assert db.session.execute(sa.select(Transfer.id).where(Transfer.idempotency_key == p.key)).first() is None
    finally:
        ledger._posting_hooks.remove(refuse)


def test_a_debit_refused_for_insufficient_points_never_reaches_the_hook(app, hook_calls):
    user = make_user(app)
    p = posting(app, user.id, 10, "adjustment", debit=True)
    with app.app_context():
        with pytest.raises(InsufficientPoints):
            run_write(lambda: ledger.post(p))
    assert hook_calls == []


def test_a_reversal_tells_the_hook_the_kind_it_reverses(app, hook_calls):
    user = make_user(app)
    p = posting(app, user.id, 15, "commendation")
    with app.app_context():
        original = run_write(lambda: ledger.post(p))
        reversal = run_write(lambda: ledger.reverse(original.id, key=f"undo:{uuid4().hex}", actor_id=None,
                                                    memo="undo"))
        assert ledger.user_balance(user.id) == 0
    assert [call[0].kind for call in hook_calls] == ["commendation", "reversal"]
    assert hook_calls[1][0].reverses_kind == "commendation" and hook_calls[1][0].reverses_id == original.id
    assert hook_calls[1][1] == reversal.id
    assert hook_calls[0][0].reverses_kind is None


def test_accounts_can_carry_a_household(app):
    user = make_user(app)
    with app.app_context():
        account_id = run_write(lambda: ledger.user_account_id(user.id))
        assert db.session.get(Account, account_id).household_id is None
        run_write(lambda: db.session.execute(sa.update(Account).where(Account.id == account_id).values(household_id=7)))
        assert db.session.get(Account, account_id).household_id == 7
