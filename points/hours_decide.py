"""Approving, rejecting and reversing one hour record, plan → write → answer.

The plan loads the record and refuses what a read can tell (403 before 404 before 409).
The write starts with a conditional UPDATE … WHERE status = <expected>: when it changes no
row another request decided first, and the answer says so (or replays the first answer).
Nobody decides their own hours (SPEC "Separation of duties").
"""

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from audit import service as audit
from core.db import run_write
from core.errors import (
    AlreadyDecided,
    AlreadyReversed,
    Forbidden,
    InsufficientPoints,
    NotFound,
    PointsAlreadySpent,
    RecordChanged,
    ValidationFailed,
)
from core.timeutil import utcnow
from extensions import db
from notifications.services import notify
from points import day_minutes, ledger, stats
from points.hours_log import MAX_DB_ID, RECORDS, memo_title, record_snapshot
from points.models import HourRecord

OWN_APPROVAL = _l("Nobody may approve their own hours; another admin must do it.")
OWN_REJECTION = _l("Nobody may reject their own hours; another admin must do it.")
OWN_REVERSAL = _l("Nobody may reverse their own hours; another admin must do it.")


@dataclass(frozen=True)
class Decision:
    """One record's decision, computed before the write."""

    record_id: int
    volunteer_id: int
    activity_id: int
    service_date: object
    minutes: int
    points: int
    transfer_id: int | None
    title: str
    actor_id: int | None
    at: datetime
    key: str
    before: dict
    after: dict

    def delta(self, sign: int) -> stats.HoursDelta:
        return stats.HoursDelta(self.volunteer_id, self.activity_id, self.service_date, self.minutes,
                                self.points, sign)


def actor_id_of(actor) -> int | None:
    return getattr(actor, "id", None)


def load_for_decision(record_id, actor, own_message) -> HourRecord:
    """403 (not an admin, or one's own record), then 404; a fresh copy of the record."""
    if actor is not None and not actor.has_role("admin"):
        raise Forbidden()
    known = isinstance(record_id, int) and not isinstance(record_id, bool) and 1 <= record_id <= MAX_DB_ID
    record = db.session.execute(
        sa.select(HourRecord).where(HourRecord.id == record_id).execution_options(populate_existing=True)
    ).scalar_one_or_none() if known else None
    if record is None:
        raise NotFound()
    if actor is not None and record.volunteer_id == actor.id:
        raise Forbidden(own_message)
    return record


def clean_reason(reason) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or "\x00" in text:
        raise ValidationFailed({"reason": gettext("Give a reason.")})
    if len(text) > 500:
        raise ValidationFailed({"reason": gettext("At most %(n)s characters.", n=500)})
    return text


def decision_for(record: HourRecord, actor, key: str, title: str, **changes) -> Decision:
    before = record_snapshot(record)
    return Decision(record.id, record.volunteer_id, record.activity_id, record.service_date, record.minutes,
                    record.points, record.transfer_id, memo_title(record, title), actor_id_of(actor), utcnow(), key,
                    before, {**before, **changes})


def approval_hash(record_id: int, points: int) -> str:
    return ledger.request_hash({"hours": record_id, "points": points})


def credit_approved(d: Decision) -> int | None:
    """Inside a write, after the status flip: the hours_award transfer (none for 0 points)."""
    if d.points <= 0:
        return None
    transfer = ledger.issue_to_user(
        user_id=d.volunteer_id, amount=d.points, kind="hours_award", key=d.key,
        body_hash=approval_hash(d.record_id, d.points), actor_id=d.actor_id, memo=d.title,
        source_type="hour_records", source_id=d.record_id)
    return transfer.id


def _flip(record_id: int, expected: str, minutes: int | None = None, **values) -> bool:
    """The guard: change the record only if it is still in the expected status (and, for a pending
    record, still has the minutes the decision saw: a lead may correct them meanwhile)."""
    stmt = sa.update(RECORDS).where(RECORDS.c.id == record_id, RECORDS.c.status == expected)
    if minutes is not None:
        stmt = stmt.where(RECORDS.c.minutes == minutes)
    return db.session.execute(stmt.values(**values).returning(RECORDS.c.id)).first() is not None


class _DecidedMeanwhile(Exception):
    """The flip changed no row: another request decided first. Raised so the write (and any answer
    remembered in it) rolls back; the caller then replays or refuses."""


def _write_approval(d: Decision, approved: SimpleNamespace | None = None):
    """The approval's write; answers `approved` (the record as it now is, for an answer written in the
    same transaction: core.api.answer_in_write) or True, and False when another request decided first."""
    if not _flip(d.record_id, "pending", d.minutes, status="approved", decided_by_id=d.actor_id, decided_at=d.at):
        return False
    # One lock order for every hours write (as bulk approval): record → summaries → accounts.
    stats.hours_changed([d.delta(+1)])
    notify(d.volunteer_id, "hours_approved", minutes=d.minutes, activity=d.title, points=d.points)
    audit.record("hours.approved", actor=d.actor_id, subject_type="hour_records", subject_id=d.record_id,
                 before=d.before, after=d.after)
    transfer_id = credit_approved(d)
    if transfer_id is not None:
        db.session.execute(sa.update(RECORDS).where(RECORDS.c.id == d.record_id).values(transfer_id=transfer_id))
    return approved or True


def _approval_replay(record: HourRecord, key: str, natural: bool) -> HourRecord:
    """A decided record: the first answer for the same request again, else already_decided."""
    if not natural and record.transfer_id is not None:
        replay = ledger.find_replay(key, approval_hash(record.id, record.points))
        if replay is not None and replay.id == record.transfer_id:
            return record
    if record.status == "pending":
        raise RecordChanged()  # its minutes were corrected after the page was read
    raise AlreadyDecided()


def _fresh(record_id: int) -> HourRecord:
    db.session.rollback()
    return db.session.execute(
        sa.select(HourRecord).where(HourRecord.id == record_id).execution_options(populate_existing=True)
    ).scalar_one()


def approve_hours(record_id: int, actor, key: str | None = None, seen_minutes: int | None = None) -> HourRecord:
    """Approve a pending record and credit exactly its points (none for a 0-point record).

    seen_minutes: the minutes the admin was shown; a record corrected since is refused (record_changed)."""
    record = load_for_decision(record_id, actor, OWN_APPROVAL)
    natural = key is None or key == f"hours:{record_id}"  # a natural key: a second approval is refused
    key = key or f"hours:{record_id}"
    if record.status != "pending":
        return _approval_replay(record, key, natural)
    if seen_minutes is not None and record.minutes != seen_minutes:
        raise RecordChanged()
    d = decision_for(record, actor, key, record.activity.title, status="approved")
    approved = SimpleNamespace(**{**{c.key: getattr(record, c.key) for c in RECORDS.columns},
                                  "status": "approved", "decided_by_id": d.actor_id, "decided_at": d.at})
    def work():
        if _write_approval(d, approved) is False:
            raise _DecidedMeanwhile()  # before an answer could be remembered with it
        return approved

    try:
        run_write(work)
    except _DecidedMeanwhile:
        return _approval_replay(_fresh(record_id), key, natural)
    return _fresh(record_id)


def _write_rejection(d: Decision, reason: str) -> bool:
    if not _flip(d.record_id, "pending", d.minutes, status="rejected", reason=reason, decided_by_id=d.actor_id,
                 decided_at=d.at):
        return False
    day_minutes.release(d.volunteer_id, d.service_date, d.minutes)
    notify(d.volunteer_id, "hours_rejected", minutes=d.minutes, activity=d.title, reason=reason)
    audit.record("hours.rejected", actor=d.actor_id, subject_type="hour_records", subject_id=d.record_id,
                 before=d.before, after=d.after)
    return True


def reject_hours(record_id: int, reason: str, actor) -> HourRecord:
    """Reject a pending record; a reason is required. The slot and the minutes are free again."""
    record = load_for_decision(record_id, actor, OWN_REJECTION)
    reason = clean_reason(reason)
    if record.status != "pending":
        raise AlreadyDecided()
    d = decision_for(record, actor, "", record.activity.title, status="rejected", reason=reason)
    if not run_write(lambda: _write_rejection(d, reason)):
        raise RecordChanged() if _fresh(record_id).status == "pending" else AlreadyDecided()
    return _fresh(record_id)


def _write_reversal(d: Decision, reason: str) -> bool:
    if not _flip(d.record_id, "approved", status="reversed", reason=reason):
        return False
    day_minutes.release(d.volunteer_id, d.service_date, d.minutes)
    stats.hours_changed([d.delta(-1)])  # before the accounts: the lock order of every hours write
    if d.transfer_id is not None:
        try:
            reversal = ledger.reverse(d.transfer_id, key=d.key, actor_id=d.actor_id, memo=reason)
        except InsufficientPoints:
            raise PointsAlreadySpent() from None
        db.session.execute(sa.update(RECORDS).where(RECORDS.c.id == d.record_id)
                           .values(reversal_transfer_id=reversal.id))
    notify(d.volunteer_id, "hours_reversed", minutes=d.minutes, activity=d.title,
           points=d.points if d.transfer_id is not None else 0, reason=reason)
    audit.record("hours.reversed", actor=d.actor_id, subject_type="hour_records", subject_id=d.record_id,
                 before=d.before, after=d.after)
    return True


def _reversal_replay(record: HourRecord, key: str, natural: bool) -> HourRecord:
    if record.status == "reversed":
        if not natural and record.reversal_transfer_id is not None:
            replay = ledger.find_replay(key, ledger.request_hash({"reverses": record.transfer_id}))
            if replay is not None and replay.id == record.reversal_transfer_id:
                return record
        raise AlreadyReversed()
    raise AlreadyDecided()


def reverse_hours(record_id: int, reason: str, actor, key: str | None = None) -> HourRecord:
    """Reverse an approved record: post the reversal (refused if the points were spent)."""
    record = load_for_decision(record_id, actor, OWN_REVERSAL)
    reason = clean_reason(reason)
    natural = key is None or key == f"hours-reversal:{record_id}"
    key = key or f"hours-reversal:{record_id}"
    if record.status != "approved":
        return _reversal_replay(record, key, natural)
    d = decision_for(record, actor, key, record.activity.title, status="reversed", reason=reason)
    if not run_write(lambda: _write_reversal(d, reason)):
        return _reversal_replay(_fresh(record_id), key, natural)
    return _fresh(record_id)


