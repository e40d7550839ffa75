"""Re-check the ledger from its transfers: the proof behind `flask verify`.

verify_ledger() recomputes, in SQL (GROUP BY, so a million transfers take seconds), what
points/ledger.py keeps up to date, and lists every disagreement in plain words:
- each account's debits_posted/credits_posted equal the sums of its transfers;
- all debits equal all credits (the sum of all balances is zero);
- no no-overdraft account (residents, stores) is below zero;
- every transfer's stored checksum equals ledger.transfer_checksum(row), so an edit made
  behind the application's back is found;
- every reversal moves the same amount as its original with the accounts swapped.
It only reads. An empty list means everything agrees.
"""

import hashlib
from dataclasses import dataclass
from hashlib import sha256
from json.encoder import encode_basestring
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from core.rawstream import column_names, stream_tuples
from extensions import db
from points.ledger import transfer_checksum
from points.ledger_models import Account, Transfer

CHECKSUM_BATCH = 20_000
# The transfer columns transfer_checksum() covers, in its order, after the id.
FAST_FIELDS = ("id", "idempotency_key", "request_hash", "debit_account_id", "credit_account_id", "amount",
               "kind", "reverses_id", "source_type", "source_id", "memo", "actor_id",
               "debit_balance_after", "credit_balance_after")
DEFAULT_LIMIT = 100  # problems listed per check; the rest are counted


@dataclass(frozen=True)
class LedgerCounts:
    accounts: int
    transfers: int


def ledger_counts() -> LedgerCounts:
    """How many accounts and transfers there are (for the verify summary)."""
    accounts = db.session.execute(sa.select(sa.func.count(Account.id))).scalar_one()
    transfers = db.session.execute(sa.select(sa.func.count(Transfer.id))).scalar_one()
    return LedgerCounts(int(accounts), int(transfers))


def _text(value) -> str:
    return "null" if value is None else encode_basestring(value)


def _number(value) -> str:
    # As stored, never int(value): SQLite keeps 7.5 in an INTEGER column, and 7.5 must not pass as 7.
    return "null" if value is None else str(value)


def _capped(problems: list[str], found: int, limit: int, what: str) -> list[str]:
    if found > limit:
        problems.append(f"… and {found - limit} more {what}")
    return problems


def _posted_sums_problems(limit: int) -> list[str]:
    """Accounts whose posted columns differ from the sums of their transfers."""
    debits = (
        sa.select(Transfer.debit_account_id.label("account_id"), sa.func.sum(Transfer.amount).label("total"))
        .group_by(Transfer.debit_account_id)
        .subquery("d")
    )
    credits = (
        sa.select(Transfer.credit_account_id.label("account_id"), sa.func.sum(Transfer.amount).label("total"))
        .group_by(Transfer.credit_account_id)
        .subquery("c")
    )
    debit_sum = sa.func.coalesce(debits.c.total, 0)
    credit_sum = sa.func.coalesce(credits.c.total, 0)
    mismatch = sa.or_(Account.debits_posted != debit_sum, Account.credits_posted != credit_sum)
    stmt = (
        sa.select(Account.id, Account.kind, Account.debits_posted, Account.credits_posted, debit_sum, credit_sum)
        .outerjoin(debits, debits.c.account_id == Account.id)
        .outerjoin(credits, credits.c.account_id == Account.id)
        .where(mismatch)
        .order_by(Account.id)
        .limit(limit)
    )
    problems = []
    for account_id, kind, debits_posted, credits_posted, debit_total, credit_total in db.session.execute(stmt):
        parts = []
        if debits_posted != debit_total:  # as stored: a fractional edit is not rounded away
            parts.append(f"debits_posted is {debits_posted} but its transfers debit {debit_total}")
        if credits_posted != credit_total:
            parts.append(f"credits_posted is {credits_posted} but its transfers credit {credit_total}")
        problems.append(f"account {account_id} ({kind}): " + "; ".join(parts))
    if len(problems) == limit:
        found = db.session.execute(
            sa.select(sa.func.count()).select_from(Account)
            .outerjoin(debits, debits.c.account_id == Account.id)
            .outerjoin(credits, credits.c.account_id == Account.id)
            .where(mismatch)
        ).scalar_one()
        _capped(problems, int(found), limit, "accounts whose posted sums disagree")
    return problems


def _totals_problems() -> list[str]:
    """All debits equal all credits, on the accounts and on the transfers."""
    debits, credits = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Account.debits_posted), 0),
                  sa.func.coalesce(sa.func.sum(Account.credits_posted), 0))
    ).one()
    if debits != credits:  # as stored, never rounded
        return [f"total debits posted ({debits}) differ from total credits posted ({credits}): "
                f"the balances sum to {credits - debits}, not 0"]
    return []


def _overdraft_problems(limit: int) -> list[str]:
    """No-overdraft accounts below zero (the CHECK constraint should make this impossible)."""
    below = sa.and_(Account.no_overdraft.is_(True), Account.credits_posted < Account.debits_posted)
    rows = db.session.execute(
        sa.select(Account.id, Account.kind, Account.credits_posted - Account.debits_posted)
        .where(below).order_by(Account.id).limit(limit)
    ).all()
    problems = [f"account {account_id} ({kind}) may not go below zero but its balance is {int(balance)}"
                for account_id, kind, balance in rows]
    if len(rows) == limit:
        found = db.session.execute(sa.select(sa.func.count(Account.id)).where(below)).scalar_one()
        _capped(problems, int(found), limit, "accounts below zero")
    return problems


def fast_checksum(row: tuple) -> str:
    """transfer_checksum's bytes built straight from the raw columns (see audit/chain_check.py).

    Columns in FAST_FIELDS order; text through json's own encoder, numbers as digits."""
    (key, body_hash, debit, credit, amount, kind, reverses_id, source_type, source_id, memo, actor_id,
     debit_after, credit_after) = row[1:14]
    text = (f"[{_text(key)},{_text(body_hash)},{_number(debit)},{_number(credit)},{_number(amount)},"
            f"{_text(kind)},{_number(reverses_id)},{_text(source_type)},{_number(source_id)},{_text(memo)},"
            f"{_number(actor_id)},{_number(debit_after)},{_number(credit_after)}]")
    return hashlib.sha256(text.encode()).hexdigest()


def _sqlite_batch_intact(rows: list[tuple], checksum_at: int) -> bool:
    """True when every transfer of the batch has the checksum of its fields (fast_checksum's bytes).

    One comprehension per batch; numbers go in as stored (a value that is not the integer it
    was gives other bytes, so it can only fail here), and a NULL in a NOT NULL text column
    raises: either way the caller re-checks the batch row by row and names each bad transfer."""
    text = encode_basestring
    try:
        computed = [
            sha256((
                f"[{text(key)},{text(body_hash)},{debit},{credit},{amount},{text(kind)},"
                f"{'null' if reverses_id is None else reverses_id},"
                f"{'null' if source_type is None else text(source_type)},"
                f"{'null' if source_id is None else source_id},{text(memo)},"
                f"{'null' if actor_id is None else actor_id},{debit_after},{credit_after}]"
            ).encode()).hexdigest()
            for (_, key, body_hash, debit, credit, amount, kind, reverses_id, source_type, source_id, memo,
                 actor_id, debit_after, credit_after, *_) in rows
        ]
    except Exception:  # noqa: BLE001  (an odd value: the row-by-row check names it)
        return False
    return computed == [row[checksum_at] for row in rows]


def _checksum_stmt(after_id: int = 0, until_id: int | None = None) -> tuple[sa.Select, list[str]]:
    table = Transfer.__table__
    others = [column for column in table.columns if column.key not in FAST_FIELDS]
    stmt = sa.select(*[table.c[name] for name in FAST_FIELDS], *others).where(table.c.id > after_id)
    if until_id is not None:
        stmt = stmt.where(table.c.id <= until_id)
    return stmt.order_by(table.c.id), column_names(stmt)


def _checksum_problems(limit: int, after_id: int = 0, until_id: int | None = None) -> list[str]:
    """Transfers (after_id < id <= until_id) whose stored checksum no longer matches their fields.

    Streamed as raw tuples; a batch whose checksums all agree is done in one comprehension
    (SQLite); any other batch is checked row by row: a fast checksum equal to the stored one
    proves the row intact, any other row is re-checked with transfer_checksum itself."""
    stmt, names = _checksum_stmt(after_id, until_id)
    checksum_at = names.index("checksum")
    batch_intact = db.session.connection().dialect.name == "sqlite"
    problems, found = [], 0
    for rows in stream_tuples(stmt, CHECKSUM_BATCH):
        if batch_intact and _sqlite_batch_intact(rows, checksum_at):
            continue
        for row in rows:
            stored = row[checksum_at]
            if fast_checksum(row) == stored:
                continue
            fields = SimpleNamespace(**dict(zip(names, row, strict=True)))
            if transfer_checksum(fields) == stored:
                continue
            found += 1
            if found <= limit:
                problems.append(f"transfer {fields.id}: its checksum does not match its contents "
                                f"(amount {fields.amount}, {fields.debit_account_id} → "
                                f"{fields.credit_account_id}); it was changed outside the application")
    return _capped(problems, found, limit, "transfers with a bad checksum")


def _reversal_problems(limit: int) -> list[str]:
    """Each reversal mirrors its original: same amount, accounts swapped, posted after it."""
    original = aliased(Transfer, name="original")
    reversal = aliased(Transfer, name="reversal")
    wrong = sa.or_(
        reversal.amount != original.amount,
        reversal.debit_account_id != original.credit_account_id,
        reversal.credit_account_id != original.debit_account_id,
        reversal.id <= original.id,
        original.kind == "reversal",
    )
    stmt = (
        sa.select(reversal.id, reversal.amount, reversal.debit_account_id, reversal.credit_account_id,
                  original.id, original.amount, original.debit_account_id, original.credit_account_id,
                  original.kind)
        .join(original, original.id == reversal.reverses_id)
        .where(wrong)
        .order_by(reversal.id)
        .limit(limit)
    )
    problems = []
    for r_id, r_amount, r_debit, r_credit, o_id, o_amount, o_debit, o_credit, o_kind in db.session.execute(stmt):
        if o_kind == "reversal":
            problems.append(f"reversal {r_id} reverses transfer {o_id}, which is itself a reversal")
        elif r_id <= o_id:
            problems.append(f"reversal {r_id} was posted before the transfer {o_id} it reverses")
        else:
            problems.append(
                f"reversal {r_id} does not mirror transfer {o_id}: it moves {r_amount} "
                f"from account {r_debit} to {r_credit}, expected {o_amount} from {o_credit} to {o_debit}"
            )
    if len(problems) == limit:
        found = db.session.execute(
            sa.select(sa.func.count()).select_from(reversal)
            .join(original, original.id == reversal.reverses_id).where(wrong)
        ).scalar_one()
        _capped(problems, int(found), limit, "reversals that do not mirror their original")
    return problems


def verify_ledger(limit: int = DEFAULT_LIMIT) -> list[str]:
    """Every disagreement between the accounts and their transfers; an empty list when all agree."""
    problems: list[str] = []
    problems += _posted_sums_problems(limit)
    problems += _totals_problems()
    problems += _overdraft_problems(limit)
    problems += _checksum_problems(limit)
    problems += _reversal_problems(limit)
    return problems
