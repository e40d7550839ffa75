"""The expiry run: post what expired by a day, and warn residents of what expires soon.

expire_due(day): every resident account with lots expiring on or before day and points left in
them gets ONE `expiry` entry (resident → the issuing account) for their sum, under the key
expiry:<user_id>:<day>, so a second run for the same day posts nothing. Accounts go in chunks of
CHUNK per write transaction (the counter never waits behind the whole city): lock them in id
order, re-read what is due under the lock, post the chunk through ledger.post_many_into (its lots hook
draws exactly the due lots, as they are the soonest-expiring ones), and record one audit event.

Audit: one summary event per chunk (day, entries, points, first and last transfer id) rather than
one per entry: each entry is already its own checksummed transfer whose memo names the day, and
330,000 chained audit events would make the run (and every later chain check) far slower.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from audit import service as audit
from core.db import dialect_insert, run_write
from extensions import db
from notifications.services import notify_many
from points import ledger
from points.ledger_models import ISSUER_ACCOUNT_ID, Account, Transfer
from points.lots_models import ExpiryNotice, PointLot

CHUNK = 4000  # accounts per write transaction
SOON_DAYS = 30  # expiry_soon warns this many days ahead


@dataclass(frozen=True)
class ExpiryRun:
    day: date
    entries: int
    points: int
    warned: int = 0


def expiry_key(user_id: int, day: date) -> str:
    return f"expiry:{user_id}:{day.isoformat()}"


def _due_accounts(day: date) -> list[int]:
    """Accounts with points in lots expiring on or before day (read once, re-checked under lock)."""
    return list(db.session.execute(
        sa.select(PointLot.account_id).distinct()
        .where(PointLot.expires_on <= day, PointLot.remaining > 0)
        .order_by(PointLot.account_id)).scalars())


def _expire_chunk(day: date, account_ids: list[int]) -> tuple[int, int]:
    ledger.lock_accounts([ISSUER_ACCOUNT_ID, *account_ids])
    due = db.session.execute(
        sa.select(PointLot.account_id, Account.user_id, sa.func.sum(PointLot.remaining))
        .join(Account, Account.id == PointLot.account_id)
        .where(ledger.among(PointLot.account_id, account_ids), PointLot.expires_on <= day, PointLot.remaining > 0,
               Account.kind == "resident")
        .group_by(PointLot.account_id, Account.user_id)
        .order_by(PointLot.account_id)).all()
    keys = {expiry_key(user_id, day) for _, user_id, _ in due}
    posted_before = set(db.session.execute(
        sa.select(Transfer.idempotency_key).where(ledger.among(Transfer.idempotency_key, sorted(keys)))).scalars()) if keys else set()
    memo = f"{day.isoformat()} 到期的积分 (points due by {day.isoformat()} expired)"
    postings = [
        ledger.Posting(expiry_key(user_id, day), ledger.request_hash({"expire_by": day.isoformat(), "user": user_id}),
                       account_id, ISSUER_ACCOUNT_ID, int(total), "expiry", None, memo,
                       source_type="expiry", source_id=None)
        for account_id, user_id, total in due
        if int(total) > 0 and expiry_key(user_id, day) not in posted_before
    ]
    posted = ledger.post_many_into(postings, ISSUER_ACCOUNT_ID)
    if posted:
        points = sum(p.amount for p in posted)
        audit.record("points.expired", subject_type="transfers", subject_id=posted[0].id, after={
            "day": day.isoformat(), "entries": len(posted), "points": points,
            "first_transfer_id": posted[0].id, "last_transfer_id": posted[-1].id})
        return len(posted), points
    return 0, 0


def expire_due(day: date, chunk: int = CHUNK) -> ExpiryRun:
    """Post every expiry due by day, CHUNK accounts per transaction; safe to run twice."""
    accounts = _due_accounts(day)
    db.session.rollback()
    entries = points = 0
    for start in range(0, len(accounts), chunk):
        ids = accounts[start:start + chunk]
        n, p = run_write(lambda ids=ids: _expire_chunk(day, ids))
        entries, points = entries + n, points + p
    return ExpiryRun(day, entries, points)


def warn_soon(day: date, chunk: int = CHUNK) -> int:
    """expiry_soon messages for points expiring after day and within SOON_DAYS, once per account and date."""
    until = day + timedelta(days=SOON_DAYS)
    rows = db.session.execute(
        sa.select(PointLot.account_id, Account.user_id, PointLot.expires_on, sa.func.sum(PointLot.remaining))
        .join(Account, Account.id == PointLot.account_id)
        .outerjoin(ExpiryNotice, sa.and_(ExpiryNotice.account_id == PointLot.account_id,
                                         ExpiryNotice.expires_on == PointLot.expires_on))
        .where(PointLot.expires_on > day, PointLot.expires_on <= until, PointLot.remaining > 0,
               Account.kind == "resident", ExpiryNotice.account_id.is_(None))
        .group_by(PointLot.account_id, Account.user_id, PointLot.expires_on)
        .order_by(PointLot.account_id, PointLot.expires_on)).all()
    db.session.rollback()
    warned = 0
    for start in range(0, len(rows), chunk):
        warned += run_write(lambda part=rows[start:start + chunk]: _warn_chunk(part), audited=False)
    return warned


def _warn_chunk(rows: list) -> int:
    """Claim each (account, date) once; only the rows this write claimed get a message."""
    stmt = dialect_insert(ExpiryNotice.__table__).values(
        [{"account_id": a, "expires_on": on} for a, _, on, _ in rows]).on_conflict_do_nothing()
    claimed = set(db.session.execute(stmt.returning(ExpiryNotice.account_id, ExpiryNotice.expires_on)).all())
    messages = [(user_id, "expiry_soon", {"points": int(total), "on": on.isoformat()})
                for account_id, user_id, on, total in rows if (account_id, on) in claimed]
    notify_many(messages)
    return len(messages)


def carry_over(user_id: int, amount: int, expires_on: date, *, key: str, memo: str, actor_id: int | None) -> int:
    """Credit points a resident earned before Jifen (a paper ledger), keeping the date they expire on paper.

    Call inside run_write: the credit's lot gets the paper date instead of the policy's.
    Returns the transfer id."""
    posted = ledger.issue_to_user(user_id=user_id, amount=amount, kind="adjustment", key=key,
                                  body_hash=ledger.request_hash({"carry_over": key, "points": amount}),
                                  actor_id=actor_id, memo=memo, source_type="carry_over", source_id=user_id)
    db.session.execute(sa.update(PointLot).where(PointLot.transfer_id == posted.id)
                       .values(expires_on=expires_on).execution_options(synchronize_session=False))
    audit.record("points.carried_over", actor=actor_id, subject_type="users", subject_id=user_id,
                 after={"points": amount, "expires_on": expires_on.isoformat(), "transfer_id": posted.id})
    return posted.id
