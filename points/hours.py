"""Service hours: logging (one, a roster, a CSV), approval, rejection and reversal.

Every refusal raises a core.errors class and saves nothing. The per-day sum and the
insert run inside run_write's work(), where writers are serialised, so the 24-hour cap
is exact even under concurrent requests.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from accounts.models import User
from audit import service as audit
from core.db import run_write
from core.errors import (
    AlreadyDecided,
    AlreadyReversed,
    DailyLimitExceeded,
    DomainError,
    DuplicateRecord,
    Forbidden,
    InsufficientPoints,
    NotFound,
    NotTeamMember,
    PointsAlreadySpent,
    SelfLoggingForbidden,
    ValidationFailed,
)
from core.timeutil import shanghai_today, utcnow
from extensions import db
from points import ledger, stats
from points.activities import authorise_any_lead, authorise_team, current_rule, is_member
from points.models import Activity, HourRecord
from points.rules import MINUTES_PER_DAY, compute_points

LIVE = ("pending", "approved")
MAX_DB_ID = 2**31 - 1


@dataclass(frozen=True)
class Row:
    label: object  # a volunteer id (roster) or a line number (CSV), for error reports
    volunteer_id: int
    minutes: int
    note: str = ""


def record_snapshot(record: HourRecord) -> dict:
    return {
        "activity_id": record.activity_id, "volunteer_id": record.volunteer_id,
        "minutes": record.minutes, "service_date": record.service_date, "points": record.points,
        "points_per_hour": record.points_per_hour, "multiplier": record.multiplier,
        "rule_version": record.rule_version, "status": record.status, "reason": record.reason,
    }


def _authorise(activity_id, actor) -> Activity | None:
    """403s first: not a lead at all, then not a lead of this activity's team."""
    if actor is None:
        raise Forbidden()
    authorise_any_lead(actor)
    known = isinstance(activity_id, int) and 1 <= activity_id <= MAX_DB_ID
    activity = db.session.get(Activity, activity_id) if known else None
    if activity is not None:
        authorise_team(actor, activity.team_id)
    return activity


def _activity_problems(activity: Activity | None) -> dict:
    if activity is None:
        return {"activity_id": gettext("No such activity.")}
    if activity.date > shanghai_today():
        return {"activity_id": gettext("The activity's date (%(day)s) is in the future.", day=activity.date)}
    return {}


def _row_fields(row: Row) -> dict:
    fields = {}
    minutes = row.minutes
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MINUTES_PER_DAY:
        fields["minutes"] = gettext("Must be from %(min)s to %(max)s.", min=1, max=MINUTES_PER_DAY)
    known = isinstance(row.volunteer_id, int) and 1 <= row.volunteer_id <= MAX_DB_ID
    volunteer = db.session.get(User, row.volunteer_id) if known else None
    if volunteer is None or not volunteer.active:
        fields["volunteer_id"] = gettext("No such person.")
    if not isinstance(row.note, str) or len(row.note) > 200 or "\x00" in row.note:
        fields["note"] = gettext("At most %(n)s characters.", n=200)
    return fields


def _row_problem(activity: Activity, row: Row, actor) -> DomainError | None:
    """What is wrong with one row, checked before the write (403, then 422, in API order)."""
    if row.volunteer_id == actor.id:
        return SelfLoggingForbidden()
    fields = _row_fields(row)
    if fields:
        return ValidationFailed(fields)
    if not is_member(row.volunteer_id, activity.team_id):
        return NotTeamMember()
    return None


def _live_minutes(volunteer_id: int, day) -> int:
    return int(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(HourRecord.minutes), 0)).where(
            HourRecord.volunteer_id == volunteer_id, HourRecord.service_date == day,
            HourRecord.status.in_(LIVE))
    ).scalar_one())


def _has_live_record(activity_id: int, volunteer_id: int) -> bool:
    return db.session.execute(
        sa.select(HourRecord.id).where(
            HourRecord.activity_id == activity_id, HourRecord.volunteer_id == volunteer_id,
            HourRecord.status.in_(LIVE))
    ).first() is not None


def _insert(activity: Activity, row: Row, actor, rule, added: dict) -> HourRecord | DomainError:
    """Inside work(): the 409 checks, then the record with points computed now."""
    if _has_live_record(activity.id, row.volunteer_id) or row.volunteer_id in added:
        return DuplicateRecord()
    if _live_minutes(row.volunteer_id, activity.date) + row.minutes > MINUTES_PER_DAY:
        return DailyLimitExceeded()
    added[row.volunteer_id] = row.minutes
    multiplier = activity.difficulty.multiplier
    record = HourRecord(
        activity_id=activity.id, volunteer_id=row.volunteer_id, minutes=row.minutes,
        service_date=activity.date, points=compute_points(row.minutes, rule.points_per_hour, multiplier),
        points_per_hour=rule.points_per_hour, multiplier=multiplier, rule_version=rule.id,
        status="pending", note=(row.note or "").strip(), logged_by_id=actor.id, logged_at=utcnow(),
    )
    db.session.add(record)
    db.session.flush()
    audit.record("hours.logged", actor=actor.id, subject=record, after=record_snapshot(record))
    return record


FIELD_LABELS = {"minutes": _l("Minutes"), "volunteer_id": _l("Volunteer"), "note": _l("Note"),
                "activity_id": _l("Activity")}


def reason_of(error: DomainError) -> str:
    """One line saying what is wrong, for per-row reports."""
    if error.fields:
        return " ".join(f"{FIELD_LABELS[name]}: {message}" if name in FIELD_LABELS else str(message)
                        for name, message in error.fields.items())
    return str(error.message)


def log_hours(activity_id: int, volunteer_id: int, minutes: int, actor, note: str = "") -> HourRecord:
    """Log one volunteer's minutes on an activity, pending approval."""
    activity = _authorise(activity_id, actor)
    if volunteer_id == actor.id:
        raise SelfLoggingForbidden()
    row = Row(volunteer_id, volunteer_id, minutes, note or "")
    fields = _activity_problems(activity)
    if activity is None:
        fields.update(_row_fields(row))
    else:
        problem = _row_problem(activity, row, actor)
        if isinstance(problem, ValidationFailed):
            fields.update(problem.fields)
        elif problem is not None and not fields:
            raise problem
    if fields:
        raise ValidationFailed(fields)
    activity_key = activity.id

    def work() -> HourRecord:
        result = _insert(db.session.get(Activity, activity_key), row, actor, current_rule(), {})
        if isinstance(result, DomainError):
            raise result
        return result

    return run_write(work)


def log_roster(activity_id: int, entries: list[tuple[int, int]], actor) -> list[HourRecord]:
    """Log several volunteers at once: all saved or, on any problem, none (see roster_csv)."""
    from points import roster_csv

    return roster_csv.log_roster(activity_id, entries, actor)


def import_roster_csv(activity_id: int, file_bytes: bytes, actor) -> list[HourRecord]:
    """A roster CSV: all rows saved, or none with every bad line listed (see roster_csv)."""
    from points import roster_csv

    return roster_csv.import_roster_csv(activity_id, file_bytes, actor)


def total_service_minutes(user_id: int) -> int:
    """Approved minutes only; spending points never reduces them."""
    return int(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(HourRecord.minutes), 0)).where(
            HourRecord.volunteer_id == user_id, HourRecord.status == "approved")
    ).scalar_one())


# Decisions (admin only; actor None is the command line) -----------------------------

def _id(actor) -> int | None:
    return getattr(actor, "id", None)


def _decidable(record_id, actor) -> None:
    if actor is not None and not actor.has_role("admin"):
        raise Forbidden()
    if (not isinstance(record_id, int) or not 1 <= record_id <= MAX_DB_ID
            or db.session.get(HourRecord, record_id) is None):
        raise NotFound()


def _clean_reason(reason) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or "\x00" in text:
        raise ValidationFailed({"reason": gettext("Give a reason.")})
    if len(text) > 500:
        raise ValidationFailed({"reason": gettext("At most %(n)s characters.", n=500)})
    return text


def _fresh(record_id: int) -> HourRecord:
    return db.session.execute(
        sa.select(HourRecord).where(HourRecord.id == record_id).execution_options(populate_existing=True)
    ).scalar_one()


def _approve_in_work(record: HourRecord, actor, key: str) -> HourRecord:
    before = record_snapshot(record)
    if record.points > 0:
        transfer = ledger.issue_to_user(
            user_id=record.volunteer_id, amount=record.points, kind="hours_award", key=key,
            body_hash=ledger.request_hash({"hours": record.id, "points": record.points}),
            actor_id=_id(actor), memo=record.activity.title,
            source_type="hour_records", source_id=record.id)
        record.transfer_id = transfer.id
    record.status, record.decided_by_id, record.decided_at = "approved", _id(actor), utcnow()
    db.session.flush()
    stats.hours_changed([_delta(record, +1)])  # the report summaries, in this transaction
    audit.record("hours.approved", actor=_id(actor), subject=record, before=before, after=record_snapshot(record))
    return record


def _delta(record: HourRecord, sign: int) -> stats.HoursDelta:
    return stats.HoursDelta(record.volunteer_id, record.activity_id, record.service_date,
                            record.minutes, record.points, sign)


def approve_hours(record_id: int, actor, key: str | None = None) -> HourRecord:
    """Approve a pending record and credit exactly its points (none for a 0-point record)."""
    _decidable(record_id, actor)
    natural = key is None or key == f"hours:{record_id}"  # a natural key: a second approval is refused
    key = key or f"hours:{record_id}"

    def work() -> HourRecord:
        record = _fresh(record_id)
        if record.status != "pending":
            if not natural and record.transfer_id is not None:
                replay = ledger.find_replay(key, ledger.request_hash({"hours": record.id, "points": record.points}))
                if replay is not None and replay.id == record.transfer_id:
                    return record  # the same request again: the first answer
            raise AlreadyDecided()
        return _approve_in_work(record, actor, key)

    return run_write(work)


def approve_many(ids: list[int], actor) -> dict:
    """Approve each pending record among ids in one transaction.

    Returns {"approved": [ids], "refused": {id: reason}}; a refused record changes nothing.
    """
    if actor is not None and not actor.has_role("admin"):
        raise Forbidden()
    wanted = list(dict.fromkeys(i for i in ids if isinstance(i, int) and not isinstance(i, bool)))
    if not wanted:
        raise ValidationFailed({"ids": gettext("Choose at least one record.")})

    def work() -> dict:
        approved, refused = [], {}
        for record_id in wanted:
            record = db.session.execute(
                sa.select(HourRecord).where(HourRecord.id == record_id)
                .execution_options(populate_existing=True)).scalar_one_or_none()
            if record is None:
                refused[record_id] = str(NotFound().message)
            elif record.status != "pending":
                refused[record_id] = str(AlreadyDecided().message)
            else:
                _approve_in_work(record, actor, f"hours:{record_id}")
                approved.append(record_id)
        return {"approved": approved, "refused": refused}

    return run_write(work)


def reject_hours(record_id: int, reason: str, actor) -> HourRecord:
    """Reject a pending record; a reason is required. The slot is free for a corrected record."""
    _decidable(record_id, actor)
    reason = _clean_reason(reason)

    def work() -> HourRecord:
        record = _fresh(record_id)
        if record.status != "pending":
            raise AlreadyDecided()
        before = record_snapshot(record)
        record.status, record.reason = "rejected", reason
        record.decided_by_id, record.decided_at = _id(actor), utcnow()
        db.session.flush()
        audit.record("hours.rejected", actor=_id(actor), subject=record, before=before, after=record_snapshot(record))
        return record

    return run_write(work)


def reverse_hours(record_id: int, reason: str, actor, key: str | None = None) -> HourRecord:
    """Reverse an approved record: post the reversal (refused if the points were spent)."""
    _decidable(record_id, actor)
    reason = _clean_reason(reason)
    natural = key is None or key == f"hours-reversal:{record_id}"
    key = key or f"hours-reversal:{record_id}"

    def work() -> HourRecord:
        record = _fresh(record_id)
        if record.status == "reversed":
            if not natural and record.reversal_transfer_id is not None:
                replay = ledger.find_replay(key, ledger.request_hash({"reverses": record.transfer_id}))
                if replay is not None and replay.id == record.reversal_transfer_id:
                    return record
            raise AlreadyReversed()
        if record.status != "approved":
            raise AlreadyDecided()
        before = record_snapshot(record)
        if record.transfer_id is not None:
            try:
                reversal = ledger.reverse(record.transfer_id, key=key, actor_id=_id(actor),
                                          memo=reason)
            except InsufficientPoints:
                raise PointsAlreadySpent() from None
            record.reversal_transfer_id = reversal.id
        record.status, record.reason = "reversed", reason
        db.session.flush()
        stats.hours_changed([_delta(record, -1)])
        audit.record("hours.reversed", actor=_id(actor), subject=record, before=before, after=record_snapshot(record))
        return record

    return run_write(work)
