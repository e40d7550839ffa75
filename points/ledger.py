"""The double-entry ledger: the ONLY code that writes accounts and transfers.

Invariants, kept here and re-checked by verify_ledger():
- every movement is one Transfer of a positive whole amount from one account to another,
  so the sum of all balances is zero;
- an account's debits_posted/credits_posted equal the sums of its transfers, updated in
  the same transaction as the transfer (balances read in O(1));
- a no-overdraft account never goes below zero: the debit is a conditional UPDATE, never
  read-decide-write, and a CHECK constraint backs it up;
- transfers are append-only (database triggers); a mistake is undone by a reversal that
  points at its original, at most once (unique reverses_id);
- every transfer has a unique idempotency key: the same request posts once.
Callers run these functions inside core.db.run_write().
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from audit.service import canonical_json
from core.db import insert_ignore
from core.errors import AlreadyReversed, IdempotencyConflict, InsufficientPoints
from core.timeutil import utcnow
from extensions import db
from points.ledger_models import ISSUER_ACCOUNT_ID, Account, Transfer


def request_hash(body) -> str:
    """A stable fingerprint of a request body, to tell a replay from a conflicting reuse."""
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def transfer_checksum(t: Transfer) -> str:
    """A per-row checksum, so an edit made behind the application's back is detected."""
    fields = [
        t.idempotency_key, t.request_hash, t.debit_account_id, t.credit_account_id, t.amount,
        t.kind, t.reverses_id, t.source_type, t.source_id, t.memo, t.actor_id,
        t.debit_balance_after, t.credit_balance_after,
    ]
    return hashlib.sha256(canonical_json(fields).encode()).hexdigest()


def user_account_id(user_id: int) -> int:
    """The person's resident account id, opened on first use (every person has exactly one)."""
    found = db.session.execute(
        sa.select(Account.id).where(Account.user_id == user_id)
    ).scalar_one_or_none()
    if found is not None:
        return found
    insert_ignore(
        Account.__table__,
        {"kind": "resident", "user_id": user_id, "no_overdraft": True,
         "debits_posted": 0, "credits_posted": 0, "created_at": utcnow()},
    )
    return db.session.execute(sa.select(Account.id).where(Account.user_id == user_id)).scalar_one()


def open_store_account(name: str) -> int:
    """A new account that a store's redemptions pay into."""
    account = Account(kind="store", name=name, no_overdraft=True, debits_posted=0, credits_posted=0)
    db.session.add(account)
    db.session.flush()
    return account.id


def user_balance(user_id: int) -> int:
    """A person's balance in O(1); 0 before their first entry."""
    row = db.session.execute(
        sa.select(Account.credits_posted - Account.debits_posted).where(Account.user_id == user_id)
    ).scalar_one_or_none()
    return int(row or 0)


def account_balance(account_id: int) -> int:
    return int(db.session.execute(
        sa.select(Account.credits_posted - Account.debits_posted).where(Account.id == account_id)
    ).scalar_one())


def find_replay(key: str, body_hash: str) -> Transfer | None:
    """The transfer already posted under key, if any; IdempotencyConflict if its body differs."""
    existing = db.session.execute(
        sa.select(Transfer).where(Transfer.idempotency_key == key)
    ).scalar_one_or_none()
    if existing is not None and existing.request_hash != body_hash:
        raise IdempotencyConflict()
    return existing


def _move(account_id: int, column, amount: int, *, conditional: bool) -> int | None:
    stmt = sa.update(Account).where(Account.id == account_id)
    if conditional:
        # Exact under concurrency: the row is re-checked when the update takes its lock.
        stmt = stmt.where(
            sa.or_(sa.not_(Account.no_overdraft),
                   Account.credits_posted - Account.debits_posted >= amount)
        )
    stmt = stmt.values({column: getattr(Account, column) + amount}).returning(
        Account.credits_posted - Account.debits_posted
    )
    return db.session.execute(stmt.execution_options(synchronize_session=False)).scalar_one_or_none()


@dataclass(frozen=True)
class Posting:
    key: str
    body_hash: str
    debit_account_id: int
    credit_account_id: int
    amount: int
    kind: str
    actor_id: int | None
    memo: str = ""
    source_type: str | None = None
    source_id: int | None = None
    reverses_id: int | None = None
    reverses_kind: str | None = None  # hook: write engineer (the original's kind on reversals)


_posting_hooks: list[Callable] = []  # hook: write engineer


def register_posting_hook(fn: Callable) -> None:  # hook: write engineer
    """Call fn(posting, transfer_id, at) inside every post(), in the same transaction."""
    if fn not in _posting_hooks:
        _posting_hooks.append(fn)


def post(p: Posting) -> Transfer:
    """Post one transfer: conditional debit, credit, append. InsufficientPoints changes nothing."""
    if p.amount <= 0 or p.debit_account_id == p.credit_account_id:
        raise ValueError("a transfer moves a positive amount between two accounts")
    # Lock rows in id order so two transfers between the same accounts cannot deadlock.
    moves = sorted(
        [(p.debit_account_id, "debits_posted", True), (p.credit_account_id, "credits_posted", False)]
    )
    after = {}
    for account_id, column, conditional in moves:
        balance = _move(account_id, column, p.amount, conditional=conditional)
        if balance is None:
            raise InsufficientPoints()
        after[column] = balance
    transfer = Transfer(
        idempotency_key=p.key, request_hash=p.body_hash,
        debit_account_id=p.debit_account_id, credit_account_id=p.credit_account_id,
        amount=p.amount, kind=p.kind, reverses_id=p.reverses_id,
        source_type=p.source_type, source_id=p.source_id, memo=p.memo[:500], actor_id=p.actor_id,
        debit_balance_after=after["debits_posted"], credit_balance_after=after["credits_posted"],
        created_at=utcnow(),
    )
    transfer.checksum = transfer_checksum(transfer)
    db.session.add(transfer)
    db.session.flush()
    for hook in _posting_hooks:  # hook: write engineer
        hook(p, transfer.id, transfer.created_at)  # hook: write engineer
    return transfer


def issue_to_user(*, user_id: int, amount: int, kind: str, key: str, body_hash: str,
                  actor_id: int | None, memo: str, source_type: str, source_id: int) -> Transfer:
    """Credit a person from the street office's issuing account."""
    return post(Posting(key, body_hash, ISSUER_ACCOUNT_ID, user_account_id(user_id), amount, kind,
                        actor_id, memo, source_type, source_id))


def take_from_user(*, user_id: int, amount: int, kind: str, key: str, body_hash: str,
                   actor_id: int | None, memo: str, source_type: str, source_id: int,
                   to_account_id: int = ISSUER_ACCOUNT_ID) -> Transfer:
    """Debit a person (never below zero) into another account, the issuer by default."""
    return post(Posting(key, body_hash, user_account_id(user_id), to_account_id, amount, kind,
                        actor_id, memo, source_type, source_id))


def reverse(original_id: int, *, key: str, actor_id: int | None, memo: str) -> Transfer:
    """Post the mirror image of a transfer, at most once; InsufficientPoints if already spent."""
    original = db.session.get(Transfer, original_id)
    already = db.session.execute(
        sa.select(Transfer.id).where(Transfer.reverses_id == original_id)
    ).scalar_one_or_none()
    if already is not None:
        raise AlreadyReversed()
    return post(Posting(
        key, request_hash({"reverses": original_id}), original.credit_account_id,
        original.debit_account_id, original.amount, "reversal", actor_id, memo,
        original.source_type, original.source_id, reverses_id=original_id,
        reverses_kind=original.kind,  # hook: write engineer
    ))
