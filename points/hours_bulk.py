"""Bulk approval in chunks: each chunk is its own short write, so the counter never waits long.

Any selection size either completes or says how far it got: a chunk that fails is retried record
by record (one bad record names itself, the others go through), a busy database or the request's
time budget stops the run with everything before it approved and the rest still pending.
"""

import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from sqlalchemy.exc import DBAPIError, IntegrityError

from audit import service as audit
from core.db import is_postgres, run_write
from core.errors import AlreadyDecided, DomainError, Forbidden, NotFound, RecordChanged, ValidationFailed
from core.timeutil import utcnow
from extensions import db
from notifications.services import notify_many
from points import ledger, stats
from points.hours_decide import OWN_APPROVAL, Decision, approval_hash, approve_hours
from points.hours_log import MAX_DB_ID, RECORDS, memo_title, record_snapshot
from points.ledger import among
from points.ledger_models import ISSUER_ACCOUNT_ID, Account
from points.models import Activity, HourRecord

FIRST_CHUNK, MIN_CHUNK, MAX_CHUNK = 100, 10, 1000
CHUNK_TARGET_SECONDS = 0.04  # a counter redemption waits at most about this long behind a chunk
MAX_SELECTION = 50000
DEFAULT_BUDGET_SECONDS = 20.0  # well inside the worker timeout


@dataclass
class BulkOutcome:
    """approved: ids approved; refused: {id: why}; left: ids not tried (the run stopped: stopped says why)."""

    wanted: int
    approved: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)
    left: list[int] = field(default_factory=list)
    stopped: str | None = None
    chunks: int = 0
    longest_chunk_seconds: float = 0.0  # the longest write: what a counter could have waited behind


def _plan_chunk(ids: list[int], actor_id: int | None, outcome: BulkOutcome,
                seen: dict[int, int] | None = None) -> tuple[list[Decision], dict[int, int]]:
    """One query for the chunk; records that cannot be approved are refused here with the reason.

    Also {volunteer id: resident account id} for those who have one (an account never changes owner),
    so the write only opens the missing ones."""
    by_id, accounts = {}, {}
    for record, title, account_id in db.session.execute(
            sa.select(HourRecord, Activity.title, Account.id).join(Activity, Activity.id == HourRecord.activity_id)
            .outerjoin(Account, Account.user_id == HourRecord.volunteer_id)
            .where(among(HourRecord.id, ids)).execution_options(populate_existing=True)):
        by_id[record.id] = (record, title)
        if account_id is not None:
            accounts[record.volunteer_id] = account_id
    at, plans = utcnow(), []
    for record_id in ids:
        if record_id not in by_id:
            outcome.refused[record_id] = str(NotFound().message)
            continue
        record, title = by_id[record_id]
        if actor_id is not None and record.volunteer_id == actor_id:
            outcome.refused[record_id] = str(OWN_APPROVAL)
        elif record.status != "pending":
            outcome.refused[record_id] = str(AlreadyDecided().message)
        elif seen and record_id in seen and seen[record_id] != record.minutes:
            outcome.refused[record_id] = str(RecordChanged().message)  # corrected since the page was drawn
        else:
            before = record_snapshot(record)
            plans.append(Decision(record.id, record.volunteer_id, record.activity_id, record.service_date,
                                  record.minutes, record.points, None, memo_title(record, title), actor_id, at,
                                  f"hours:{record.id}", before, {**before, "status": "approved"}))
    db.session.rollback()  # end the read before the write begins
    return sorted(plans, key=lambda d: (d.volunteer_id, d.record_id)), accounts  # a fixed lock order


_PG_FLIP = sa.text("UPDATE hour_records SET status = 'approved', decided_by_id = :actor, decided_at = :at "
                   "FROM unnest(CAST(:records AS INTEGER[]), CAST(:minutes AS INTEGER[])) AS w(record, minutes) "
                   "WHERE hour_records.id = w.record AND hour_records.minutes = w.minutes "
                   "AND hour_records.status = 'pending' RETURNING hour_records.id")


def _flip_pending(plans: list[Decision]) -> set[int]:
    """The guard: approve those still pending with the minutes planned (a lead may have corrected them
    meanwhile); the ids flipped. One statement; on PostgreSQL its text does not change with the chunk size."""
    first = plans[0]
    if is_postgres():
        return set(db.session.execute(_PG_FLIP, {
            "actor": first.actor_id, "at": first.at, "records": [d.record_id for d in plans],
            "minutes": [d.minutes for d in plans]}).scalars())
    return set(db.session.execute(
        sa.update(RECORDS).where(RECORDS.c.id.in_([d.record_id for d in plans]), RECORDS.c.status == "pending",
                                 sa.tuple_(RECORDS.c.id, RECORDS.c.minutes).in_([(d.record_id, d.minutes) for d in plans]))
        .values(status="approved", decided_by_id=first.actor_id, decided_at=first.at)
        .returning(RECORDS.c.id)
    ).scalars())


def _link_transfers(links: list[tuple[int, int]]) -> None:
    """Each record's transfer id: one UPDATE with arrays on PostgreSQL, an executemany on SQLite (compiled once)."""
    if is_postgres():
        db.session.execute(_PG_LINK, {"records": [r for r, _ in links], "transfers": [t for _, t in links]})
        return
    db.session.execute(sa.update(RECORDS).where(RECORDS.c.id == sa.bindparam("record"))
                       .values(transfer_id=sa.bindparam("transfer")),
                       [{"record": record, "transfer": transfer} for record, transfer in links])


_PG_LINK = sa.text("UPDATE hour_records SET transfer_id = w.transfer "
                   "FROM unnest(CAST(:records AS INTEGER[]), CAST(:transfers AS INTEGER[])) AS w(record, transfer) "
                   "WHERE hour_records.id = w.record")


def _write_chunk(plans: list[Decision], known_accounts: dict[int, int], marks: dict) -> list[int]:
    """Set-based: one conditional flip of the chunk, the summaries, the notifications and the audit events,
    then its credits through ledger.post_many and one update linking the records to their transfers.

    The credits come last (as in a single approval: records → summaries → accounts, one lock order), so
    the residents' and the issuer's account rows are locked only for the end of the write: marks["locked"]
    notes when, for the chunk size to follow what a counter can really wait behind."""
    flipped = _flip_pending(plans)
    done = [d for d in plans if d.record_id in flipped]  # the others were decided meanwhile: reported after
    if not done:
        return []
    stats.hours_changed([d.delta(+1) for d in done])
    notify_many([(d.volunteer_id, "hours_approved", {"minutes": d.minutes, "activity": d.title, "points": d.points})
                 for d in done])
    for d in done:
        audit.record("hours.approved", actor=d.actor_id, subject_type="hour_records", subject_id=d.record_id,
                     before=d.before, after=d.after)
    paying = [d for d in done if d.points > 0]
    accounts = {**known_accounts, **ledger.user_account_ids(
        d.volunteer_id for d in paying if d.volunteer_id not in known_accounts)}
    marks["locked"] = time.perf_counter()
    posted = ledger.post_many([
        ledger.Posting(d.key, approval_hash(d.record_id, d.points), ISSUER_ACCOUNT_ID, accounts[d.volunteer_id],
                       d.points, "hours_award", d.actor_id, d.title, "hour_records", d.record_id)
        for d in paying])
    if posted:
        _link_transfers([(d.record_id, t.id) for d, t in zip(paying, posted, strict=True)])
    return [d.record_id for d in done]


def _one_by_one(plans: list[Decision], actor, outcome: BulkOutcome) -> None:
    """A failed chunk again, record by record: the bad ones say why, the others are approved."""
    for d in plans:
        try:
            approve_hours(d.record_id, actor, seen_minutes=d.minutes)
            outcome.approved.append(d.record_id)
        except DomainError as error:
            outcome.refused[d.record_id] = str(error.message)
        except IntegrityError:
            db.session.rollback()
            outcome.refused[d.record_id] = gettext("Its points could not be credited: the ledger already "
                                                   "holds a different entry under this record's key.")
        except DBAPIError:
            db.session.rollback()
            outcome.refused[d.record_id] = gettext("The database was busy; try this record again.")


def _next_size(size: int, elapsed: float) -> int:
    wanted = int(size * CHUNK_TARGET_SECONDS / max(elapsed, 0.001))
    return max(MIN_CHUNK, min(MAX_CHUNK, wanted, size * 2))


def _selection(ids) -> tuple[list[int], list[int]]:
    picked = list(dict.fromkeys(i for i in ids if isinstance(i, int) and not isinstance(i, bool)))
    return [i for i in picked if 1 <= i <= MAX_DB_ID], [i for i in picked if not 1 <= i <= MAX_DB_ID]


def approve_many(ids: list[int], actor, budget_seconds: float | None = None,
                 seen: dict[int, int] | None = None) -> BulkOutcome:
    """Approve every pending record among ids, chunk by chunk; own records are skipped and named.

    seen: {record id: minutes the admin was shown}; a record corrected since is refused and named."""
    if actor is not None and not actor.has_role("admin"):
        raise Forbidden()
    wanted, unknown = _selection(ids)
    if not wanted and not unknown:
        raise ValidationFailed({"ids": gettext("Choose at least one record.")})
    if len(wanted) > MAX_SELECTION:
        raise ValidationFailed({"ids": gettext("At most %(n)s records at once.", n=MAX_SELECTION)})
    if budget_seconds is None:
        budget_seconds = float(current_app.config.get("BULK_APPROVAL_SECONDS", DEFAULT_BUDGET_SECONDS))
    outcome = BulkOutcome(wanted=len(wanted) + len(unknown))
    actor_id, postgres = getattr(actor, "id", None), is_postgres()  # read once: each chunk's rollback expires actor
    outcome.refused.update({i: str(NotFound().message) for i in unknown})
    deadline, size, start = time.monotonic() + budget_seconds, FIRST_CHUNK, 0
    while start < len(wanted):
        if outcome.chunks and time.monotonic() > deadline:
            outcome.stopped = gettext("the time for one request ran out.")
            break
        chunk = wanted[start:start + size]
        plans, accounts = _plan_chunk(chunk, actor_id, outcome, seen)
        began, marks = time.perf_counter(), {}
        try:
            done = run_write(lambda chunk_plans=plans, chunk_accounts=accounts, chunk_marks=marks: _write_chunk(
                chunk_plans, chunk_accounts, chunk_marks)) if plans else []
        except (DomainError, IntegrityError):
            db.session.rollback()
            _one_by_one(plans, actor, outcome)
        except DBAPIError:
            db.session.rollback()  # this chunk was rolled back whole: its records are still pending
            outcome.stopped = gettext("the database was busy.")
            break
        else:
            outcome.approved.extend(done)
            approved_now = set(done)
            for d in plans:
                if d.record_id not in approved_now:
                    outcome.refused[d.record_id] = str(AlreadyDecided().message)
        # What a counter could wait behind: on SQLite the whole write (BEGIN IMMEDIATE), on PostgreSQL
        # the span from the account updates to the end of COMMIT (the audit head is taken in it, last).
        elapsed = time.perf_counter() - (marks.get("locked", began) if postgres else began)
        outcome.chunks += 1
        outcome.longest_chunk_seconds = max(outcome.longest_chunk_seconds, elapsed)
        start += len(chunk)
        size = _next_size(size, elapsed)
    outcome.approved.sort()
    if outcome.stopped:
        outcome.left = [i for i in wanted[start:] if i not in outcome.refused]
    return outcome
