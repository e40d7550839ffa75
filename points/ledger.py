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
- every transfer has a unique idempotency key: the same request posts once;
- its kind is a row of transfer_kinds (a foreign key, so a new kind needs no table rebuild).
post() is two Core statements (no ORM unit of work) followed by the registered posting hooks;
post_many() posts a whole batch set-based: one account update, one multi-row transfer insert;
post_many_into() does the same for many accounts paying into one (the expiry run), with arrays on
PostgreSQL.
Callers run these functions inside core.db.run_write().
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from audit.service import canonical_json
from core.db import dialect_insert, insert_ignore
from core.errors import AlreadyReversed, IdempotencyConflict, InsufficientPoints
from core.timeutil import utcnow
from extensions import db
from points.ledger_models import ISSUER_ACCOUNT_ID, Account, Transfer


def request_hash(body) -> str:
    """A stable fingerprint of a request body, to tell a replay from a conflicting reuse."""
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def transfer_checksum(t) -> str:
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


_BALANCE = sa.select(Account.credits_posted - Account.debits_posted).where(Account.user_id == sa.bindparam("user_id"))


def user_balance(user_id: int) -> int:
    """A person's balance in O(1); 0 before their first entry (one Core statement, built once)."""
    row = db.session.connection().execute(_BALANCE, {"user_id": user_id}).scalar_one_or_none()
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
    row = _move_row(account_id, column, amount, conditional=conditional)
    return None if row is None else row[0]


def _move_row(account_id: int, column, amount: int, *, conditional: bool):
    """The update of one account; (balance after, account kind), or None when the debit is refused."""
    stmt = sa.update(Account).where(Account.id == account_id)
    if conditional:
        # Exact under concurrency: the row is re-checked when the update takes its lock.
        stmt = stmt.where(
            sa.or_(sa.not_(Account.no_overdraft),
                   Account.credits_posted - Account.debits_posted >= amount)
        )
    stmt = stmt.values({column: getattr(Account, column) + amount}).returning(
        Account.credits_posted - Account.debits_posted, Account.kind
    )
    return db.session.execute(stmt.execution_options(synchronize_session=False)).one_or_none()


@dataclass(frozen=True)
class Posting:
    key: str
    body_hash: str
    debit_account_id: int
    credit_account_id: int
    amount: int
    kind: str  # a row of transfer_kinds: a new kind is one INSERT there
    actor_id: int | None
    memo: str = ""
    source_type: str | None = None
    source_id: int | None = None
    reverses_id: int | None = None
    reverses_kind: str | None = None  # the original's kind, for a reversal
    # Filled in by post() from its account updates, so a hook needs no query to tell a resident's
    # account from a store's (accounts never change kind).
    debit_account_kind: str | None = None
    credit_account_kind: str | None = None


@dataclass(frozen=True)
class Posted:
    """What post() wrote: the transfer's id and the balances after it (no ORM object)."""

    id: int
    idempotency_key: str
    request_hash: str
    debit_account_id: int
    credit_account_id: int
    amount: int
    kind: str
    reverses_id: int | None
    source_type: str | None
    source_id: int | None
    memo: str
    actor_id: int | None
    debit_balance_after: int
    credit_balance_after: int
    created_at: datetime


PostingHook = Callable[[Posting, int, datetime], None]
_posting_hooks: list[PostingHook] = []


def register_posting_hook(hook: PostingHook) -> None:
    """Call hook(posting, transfer_id, at) after every posted transfer, in the same transaction.

    A hook that raises refuses the whole write (it rolls back with the transfer). Hooks that can
    work set-based register with register_batch_posting_hook instead.
    """
    if hook not in _posting_hooks:
        _posting_hooks.append(hook)


BatchPostingHook = Callable[[list[tuple[Posting, int]], datetime], None]
_batch_posting_hooks: list[BatchPostingHook] = []


def register_batch_posting_hook(hook: BatchPostingHook) -> None:
    """Call hook([(posting, transfer_id), …], at) once per post_many() batch (a list of one after post()).

    Same transaction and same refusal rule as register_posting_hook. A plain posting hook keeps
    working with post_many(): it is called once per posting of the batch.
    """
    if hook not in _batch_posting_hooks:
        _batch_posting_hooks.append(hook)


def _run_hooks(pairs: list[tuple[Posting, int]], at: datetime) -> None:
    for hook in _posting_hooks:
        for posting, transfer_id in pairs:
            hook(posting, transfer_id, at)
    for batch_hook in _batch_posting_hooks:
        batch_hook(pairs, at)


_accounts = Account.__table__
_balance_after = _accounts.c.credits_posted - _accounts.c.debits_posted
# Both sides of one transfer in ONE statement, built once: the debit row is updated only while the
# balance covers the amount (no-overdraft accounts), so a refused debit returns the credit row alone.
_POST_MOVE = (
    sa.update(_accounts)
    .where(_accounts.c.id.in_([sa.bindparam("debit_id"), sa.bindparam("credit_id")]),
           sa.or_(_accounts.c.id != sa.bindparam("debit_id"), sa.not_(_accounts.c.no_overdraft),
                  _balance_after >= sa.bindparam("amount", type_=sa.BigInteger)))
    .values(debits_posted=_accounts.c.debits_posted + sa.case(
                (_accounts.c.id == sa.bindparam("debit_id"), sa.bindparam("amount")), else_=0),
            credits_posted=_accounts.c.credits_posted + sa.case(
                (_accounts.c.id == sa.bindparam("credit_id"), sa.bindparam("amount")), else_=0))
    .returning(_accounts.c.id, _balance_after, _accounts.c.kind)
)
_INSERT_TRANSFER = sa.insert(Transfer.__table__).returning(Transfer.__table__.c.id)


def post(p: Posting) -> Posted:
    """Post one transfer: conditional debit and credit in one update, then the append; two Core statements
    (built once), then the hooks.

    InsufficientPoints (the conditional debit matched no row) changes nothing: the caller's
    run_write rolls back. The database refuses an unknown kind (foreign key to transfer_kinds).
    """
    if p.amount <= 0 or p.debit_account_id == p.credit_account_id:
        raise ValueError("a transfer moves a positive amount between two accounts")
    moved = {row[0]: row for row in db.session.connection().execute(
        _POST_MOVE, {"debit_id": p.debit_account_id, "credit_id": p.credit_account_id, "amount": p.amount})}
    debit, credit = moved.get(p.debit_account_id), moved.get(p.credit_account_id)
    if debit is None or credit is None:
        raise InsufficientPoints()  # the debit was refused (or an account is missing): all rolls back
    values = {
        "idempotency_key": p.key, "request_hash": p.body_hash,
        "debit_account_id": p.debit_account_id, "credit_account_id": p.credit_account_id,
        "amount": p.amount, "kind": p.kind, "reverses_id": p.reverses_id,
        "source_type": p.source_type, "source_id": p.source_id, "memo": p.memo[:500], "actor_id": p.actor_id,
        "debit_balance_after": int(debit[1]), "credit_balance_after": int(credit[1]),
        "created_at": utcnow(),
    }
    values["checksum"] = transfer_checksum(SimpleNamespace(**values))
    transfer_id = db.session.connection().execute(_INSERT_TRANSFER, values).scalar_one()
    posted = Posted(id=transfer_id, **{k: v for k, v in values.items() if k != "checksum"})
    known = replace(p, debit_account_kind=debit[2], credit_account_kind=credit[2])
    _run_hooks([(known, transfer_id)], values["created_at"])
    return posted


ACCOUNTS_PER_STATEMENT = 1000  # SQLite: 3 parameters per account, well inside its limit

# PostgreSQL: one array per column (unnest): a few parameters whatever the batch, and a text that does
# not change with its size, so the server and psycopg parse it once.
_PG_MOVE_MANY = sa.text("""
UPDATE accounts SET debits_posted = accounts.debits_posted + w.debit,
                    credits_posted = accounts.credits_posted + w.credit
FROM unnest(CAST(:ids AS INTEGER[]), CAST(:debits AS BIGINT[]), CAST(:credits AS BIGINT[])) AS w(account_id, debit, credit)
WHERE accounts.id = w.account_id
  AND (NOT accounts.no_overdraft OR accounts.credits_posted - accounts.debits_posted >= w.debit)
RETURNING accounts.id, accounts.credits_posted - accounts.debits_posted, accounts.kind
""")


def _move_many(moves: dict[int, tuple[int, int]]) -> tuple[dict[int, int], dict[int, str]]:
    """Add (debit, credit) to each account in one UPDATE; the balances after and the accounts' kinds.

    The debit is conditional as in _move(): an account it would take below zero is not updated,
    so it is missing from the answer. PostgreSQL locks the rows in id order first (no deadlock
    with another batch); SQLite's BEGIN IMMEDIATE already serialises writers.
    """
    ids = sorted(moves)
    if _on_postgres():
        lock_accounts(ids)
        rows = db.session.execute(_PG_MOVE_MANY, {
            "ids": ids, "debits": [moves[i][0] for i in ids], "credits": [moves[i][1] for i in ids]}).all()
    else:
        connection, rows = db.session.connection(), []
        row = "(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))"
        for start in range(0, len(ids), ACCOUNTS_PER_STATEMENT):
            part = ids[start:start + ACCOUNTS_PER_STATEMENT]
            params = tuple(value for account_id in part for value in (account_id, *moves[account_id]))
            rows += connection.exec_driver_sql(
                "UPDATE accounts SET debits_posted = accounts.debits_posted + v.column2, "
                "credits_posted = accounts.credits_posted + v.column3 "
                f"FROM (VALUES {', '.join([row] * len(part))}) AS v "
                "WHERE accounts.id = v.column1 AND (NOT accounts.no_overdraft "
                "OR accounts.credits_posted - accounts.debits_posted >= v.column2) "
                "RETURNING accounts.id, accounts.credits_posted - accounts.debits_posted, accounts.kind", params).all()
    return {i: balance for i, balance, _ in rows}, {i: kind for i, _, kind in rows}


def post_many(postings: list[Posting]) -> list[Posted]:
    """Post a batch as if by post() one after another, set-based; InsufficientPoints refuses it whole.

    One conditional update of all the batch's accounts (one debit per account for its total),
    one multi-row insert of the transfers (checksums computed here), the hooks once. An account
    is either debited or credited within one batch (ValueError otherwise): the conditional debit
    then checks exactly what the postings one by one would have.
    """
    if not postings:
        return []
    moves: dict[int, list[int]] = {}
    for p in postings:
        if p.amount <= 0 or p.debit_account_id == p.credit_account_id:
            raise ValueError("a transfer moves a positive amount between two accounts")
        moves.setdefault(p.debit_account_id, [0, 0])[0] += p.amount
        moves.setdefault(p.credit_account_id, [0, 0])[1] += p.amount
    if any(debit and credit for debit, credit in moves.values()):
        raise ValueError("post_many: an account is both debited and credited in one batch; use post()")
    balances, kinds = _move_many({account_id: (d, c) for account_id, (d, c) in moves.items()})
    if len(balances) != len(moves):
        raise InsufficientPoints()
    # Balances after each posting, walking back from the final ones (as if posted in list order).
    afters = []
    for p in reversed(postings):
        afters.append((balances[p.debit_account_id], balances[p.credit_account_id]))
        balances[p.debit_account_id] += p.amount
        balances[p.credit_account_id] -= p.amount
    at, rows = utcnow(), []
    for p, (debit_after, credit_after) in zip(postings, reversed(afters), strict=True):
        values = {
            "idempotency_key": p.key, "request_hash": p.body_hash,
            "debit_account_id": p.debit_account_id, "credit_account_id": p.credit_account_id,
            "amount": p.amount, "kind": p.kind, "reverses_id": p.reverses_id,
            "source_type": p.source_type, "source_id": p.source_id, "memo": p.memo[:500], "actor_id": p.actor_id,
            "debit_balance_after": debit_after, "credit_balance_after": credit_after, "created_at": at,
        }
        values["checksum"] = transfer_checksum(SimpleNamespace(**values))
        rows.append(values)
    ids = _insert_many(rows, at)
    # As post(): the hooks learn the accounts' kinds from the update, with no query of their own.
    known = [replace(p, debit_account_kind=kinds[p.debit_account_id], credit_account_kind=kinds[p.credit_account_id])
             for p in postings]
    _run_hooks(list(zip(known, ids, strict=True)), at)
    return [Posted(id=transfer_id, **{k: v for k, v in row.items() if k != "checksum"})
            for transfer_id, row in zip(ids, rows, strict=True)]


def user_account_ids(user_ids) -> dict[int, int]:
    """{user id: resident account id} for many people at once, opening the missing accounts."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    found = dict(db.session.execute(
        sa.select(Account.user_id, Account.id).where(Account.user_id.in_(wanted))).all())
    missing = [user_id for user_id in wanted if user_id not in found]
    if missing:
        now = utcnow()
        db.session.execute(dialect_insert(Account.__table__).on_conflict_do_nothing(), [
            {"kind": "resident", "user_id": user_id, "no_overdraft": True, "debits_posted": 0,
             "credits_posted": 0, "created_at": now} for user_id in missing])
        found.update(db.session.execute(
            sa.select(Account.user_id, Account.id).where(Account.user_id.in_(missing))).all())
    return found


def _on_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def among(column, values: list):
    """column IN values; on PostgreSQL one array parameter (psycopg rewrites thousands of parameters slowly)."""
    if _on_postgres():
        return column == sa.any_(sa.literal(list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def lock_accounts(account_ids: list[int]) -> None:
    """PostgreSQL: take the rows' locks in id order, as post() does, so bulk and single writes never deadlock."""
    if _on_postgres():
        db.session.execute(sa.select(Account.id).where(among(Account.id, account_ids))
                           .order_by(Account.id).with_for_update())


# PostgreSQL: the bulk debit and insert take each column as one array (unnest), a few parameters in all.
_PG_DEBIT_MANY = sa.text("""
UPDATE accounts SET debits_posted = accounts.debits_posted + w.amount
FROM unnest(CAST(:ids AS INTEGER[]), CAST(:amounts AS BIGINT[])) AS w(account_id, amount)
WHERE accounts.id = w.account_id
  AND (NOT accounts.no_overdraft OR accounts.credits_posted - accounts.debits_posted >= w.amount)
RETURNING accounts.id, accounts.credits_posted - accounts.debits_posted
""")
_PG_INSERT_MANY = sa.text("""
INSERT INTO transfers (idempotency_key, request_hash, debit_account_id, credit_account_id, amount, kind,
                       reverses_id, source_type, source_id, memo, actor_id, debit_balance_after,
                       credit_balance_after, created_at, checksum)
SELECT u.k, u.h, u.d, u.c, u.a, u.kind, u.r, u.st, u.si, u.m, u.actor, u.da, u.ca, CAST(:at AS TIMESTAMPTZ), u.sum
FROM unnest(CAST(:k AS VARCHAR[]), CAST(:h AS VARCHAR[]), CAST(:d AS INTEGER[]), CAST(:c AS INTEGER[]),
            CAST(:a AS BIGINT[]), CAST(:kind AS VARCHAR[]), CAST(:r AS INTEGER[]), CAST(:st AS VARCHAR[]),
            CAST(:si AS BIGINT[]), CAST(:m AS VARCHAR[]), CAST(:actor AS INTEGER[]), CAST(:da AS BIGINT[]),
            CAST(:ca AS BIGINT[]), CAST(:sum AS VARCHAR[]))
     AS u(k, h, d, c, a, kind, r, st, si, m, actor, da, ca, sum)
RETURNING id, idempotency_key
""")
_PG_COLUMNS = {"k": "idempotency_key", "h": "request_hash", "d": "debit_account_id", "c": "credit_account_id",
               "a": "amount", "kind": "kind", "r": "reverses_id", "st": "source_type", "si": "source_id",
               "m": "memo", "actor": "actor_id", "da": "debit_balance_after", "ca": "credit_balance_after",
               "sum": "checksum"}


def _debit_many(amounts: dict[int, int]) -> dict[int, int]:
    if _on_postgres():
        return dict(db.session.execute(_PG_DEBIT_MANY, {"ids": list(amounts), "amounts": list(amounts.values())}).all())
    # A CTE with named columns: SQLite accepts WITH wanted(account_id, amount) AS (VALUES …).
    wanted = sa.values(sa.column("account_id", sa.Integer), sa.column("amount", sa.BigInteger),
                       name="wanted").data(list(amounts.items())).cte("wanted")
    return dict(db.session.execute(
        sa.update(Account)
        .add_cte(wanted)
        .where(Account.id == wanted.c.account_id)
        .where(sa.or_(sa.not_(Account.no_overdraft),
                      Account.credits_posted - Account.debits_posted >= wanted.c.amount))
        .values(debits_posted=Account.debits_posted + wanted.c.amount)
        .returning(Account.id, Account.credits_posted - Account.debits_posted)
        .execution_options(synchronize_session=False)
    ).all())


def _insert_many(rows: list[dict], at: datetime) -> list[int]:
    """The transfers' ids, in the rows' order."""
    if _on_postgres():
        params = {short: [row[name] for row in rows] for short, name in _PG_COLUMNS.items()}
        by_key = dict((key, i) for i, key in db.session.execute(_PG_INSERT_MANY, {**params, "at": at}).all())
        return [by_key[row["idempotency_key"]] for row in rows]
    table = Transfer.__table__
    # executemany with RETURNING: SQLAlchemy sends multi-row INSERTs, compiled once ("insertmanyvalues").
    return db.session.execute(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True),
                              [{**row, "created_at": at} for row in rows]).scalars().all()


def post_many_into(postings: list[Posting], credit_account_id: int) -> list[Posted]:
    """Post many transfers from distinct accounts into one account, in a few set-based statements.

    For runs at city scale (the expiry run): the same checks and rows as post() one by one —
    conditional debits (InsufficientPoints if any fails; nothing is kept), one credit, one
    multi-row insert with each row's balances and checksum — then the hooks, batch hooks once.
    """
    if not postings:
        return []
    debit_ids = [p.debit_account_id for p in postings]
    if (len(set(debit_ids)) != len(debit_ids) or credit_account_id in debit_ids
            or any(p.amount <= 0 or p.credit_account_id != credit_account_id for p in postings)):
        raise ValueError("post_many_into moves positive amounts from distinct accounts into one other account")
    lock_accounts(sorted([*debit_ids, credit_account_id]))
    amounts = {p.debit_account_id: p.amount for p in postings}
    debited = _debit_many(amounts)
    if len(debited) != len(postings):
        raise InsufficientPoints()
    total = sum(amounts.values())
    credit_after = _move(credit_account_id, "credits_posted", total, conditional=False)
    running = credit_after - total
    at = utcnow()
    rows = []
    for p in postings:
        running += p.amount
        row = {
            "idempotency_key": p.key, "request_hash": p.body_hash,
            "debit_account_id": p.debit_account_id, "credit_account_id": credit_account_id,
            "amount": p.amount, "kind": p.kind, "reverses_id": p.reverses_id,
            "source_type": p.source_type, "source_id": p.source_id, "memo": p.memo[:500], "actor_id": p.actor_id,
            "debit_balance_after": int(debited[p.debit_account_id]), "credit_balance_after": running,
            "created_at": at,
        }
        row["checksum"] = transfer_checksum(SimpleNamespace(**row))
        rows.append(row)
    ids = _insert_many(rows, at)
    posted = [Posted(id=i, **{k: v for k, v in row.items() if k != "checksum"}) for i, row in zip(ids, rows, strict=True)]
    _run_hooks(list(zip(postings, ids, strict=True)), at)
    return posted


def issue_to_user(*, user_id: int, amount: int, kind: str, key: str, body_hash: str,
                  actor_id: int | None, memo: str, source_type: str, source_id: int) -> Posted:
    """Credit a person from the street office's issuing account."""
    return post(Posting(key, body_hash, ISSUER_ACCOUNT_ID, user_account_id(user_id), amount, kind,
                        actor_id, memo, source_type, source_id))


def take_from_user(*, user_id: int, amount: int, kind: str, key: str, body_hash: str,
                   actor_id: int | None, memo: str, source_type: str, source_id: int,
                   to_account_id: int = ISSUER_ACCOUNT_ID) -> Posted:
    """Debit a person (never below zero) into another account, the issuer by default."""
    return post(Posting(key, body_hash, user_account_id(user_id), to_account_id, amount, kind,
                        actor_id, memo, source_type, source_id))


def reverse(original_id: int, *, key: str, actor_id: int | None, memo: str) -> Posted:
    """Post the mirror image of a transfer, at most once; InsufficientPoints if already spent."""
    reversal = aliased(Transfer)
    original = db.session.execute(
        sa.select(Transfer.debit_account_id, Transfer.credit_account_id, Transfer.amount, Transfer.kind,
                  Transfer.source_type, Transfer.source_id, reversal.id.label("reversed_by"))
        .outerjoin(reversal, reversal.reverses_id == Transfer.id)
        .where(Transfer.id == original_id)
    ).one()
    if original.reversed_by is not None:
        raise AlreadyReversed()
    return post(Posting(
        key, request_hash({"reverses": original_id}), original.credit_account_id,
        original.debit_account_id, original.amount, "reversal", actor_id, memo,
        original.source_type, original.source_id, reverses_id=original_id, reverses_kind=original.kind,
    ))
