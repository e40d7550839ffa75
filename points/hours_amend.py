"""A lead takes back or corrects a pending hour record they manage, plan → write → answer.

Withdrawing marks the record rejected with withdrawn_at set (its slot and its minutes are free
again, the record itself stays as the trail); correcting changes its minutes and points with the
rate and multiplier it was logged with. Both write with UPDATE … WHERE status = 'pending' AND
minutes = <planned>, and approval and rejection are conditional on the same minutes, so an admin
deciding at the same moment either wins (the lead is told it was decided) or loses (the admin is
told it changed) — never both. A longer correction claims the extra minutes from the
person_day_minutes guard, a shorter one gives them back.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from audit import service as audit
from core.db import run_write
from core.errors import (
    AlreadyDecided,
    DailyLimitExceeded,
    Forbidden,
    NotFound,
    RecordChanged,
    ValidationFailed,
)
from core.timeutil import utcnow
from extensions import db
from points import day_minutes
from points.activities import authorise_any_lead, authorise_team
from points.guard_models import MINUTES_PER_DAY
from points.hours_decide import clean_reason
from points.hours_log import MAX_DB_ID, RECORDS, record_snapshot
from points.models import HourRecord
from points.rules import compute_points

DECIDED = _l("Only a record waiting for approval can be changed; this one is already decided.")


@dataclass(frozen=True)
class Amendment:
    """What the write changes, computed before it begins."""

    record_id: int
    volunteer_id: int
    service_date: object
    old_minutes: int
    new_minutes: int  # 0 for a withdrawal
    new_points: int
    actor_id: int
    at: datetime
    before: dict
    after: dict


def load_amendable(record_id, actor) -> HourRecord:
    """403 (not a lead, a lead of another team, one's own record), 404 (no such record), 409 (decided)."""
    if actor is None:
        raise Forbidden()
    authorise_any_lead(actor)
    known = isinstance(record_id, int) and not isinstance(record_id, bool) and 1 <= record_id <= MAX_DB_ID
    record = db.session.execute(
        sa.select(HourRecord).where(HourRecord.id == record_id).execution_options(populate_existing=True)
    ).scalar_one_or_none() if known else None
    if record is None:
        raise NotFound()
    authorise_team(actor, record.activity.team_id)
    if record.volunteer_id == actor.id:
        raise Forbidden(gettext("Nobody may change their own hours."))
    return record


def still_pending(record: HourRecord) -> None:
    """409 after the 422s (API order): a decided record is never changed."""
    if record.status != "pending":
        raise AlreadyDecided(DECIDED)


def clean_minutes(minutes) -> int:
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MINUTES_PER_DAY:
        raise ValidationFailed({"minutes": gettext("Minutes must be a whole number from 1 to 1440.")})
    return minutes


def plan_correction(record_id, minutes, actor) -> Amendment:
    """Refuse what a read can tell: bad minutes, no change, the 24-hour cap (the write re-checks it)."""
    record = load_amendable(record_id, actor)
    minutes = clean_minutes(minutes)
    if minutes == record.minutes:
        raise ValidationFailed({"minutes": gettext("That is the number of minutes already recorded.")})
    still_pending(record)
    extra = minutes - record.minutes
    if extra > 0 and day_minutes.live_minutes(record.volunteer_id, record.service_date) + extra > MINUTES_PER_DAY:
        raise DailyLimitExceeded()
    points = compute_points(minutes, record.points_per_hour, record.multiplier)
    before = record_snapshot(record)
    return Amendment(record.id, record.volunteer_id, record.service_date, record.minutes, minutes, points,
                     actor.id, utcnow(), before, {**before, "minutes": minutes, "points": points})


def plan_withdrawal(record_id, reason, actor) -> Amendment:
    record = load_amendable(record_id, actor)
    reason = clean_reason(reason)
    still_pending(record)
    before = record_snapshot(record)
    return Amendment(record.id, record.volunteer_id, record.service_date, record.minutes, 0, record.points,
                     actor.id, utcnow(), before, {**before, "status": "withdrawn", "reason": reason})


def _guarded(a: Amendment):
    """The record, only while it is still pending with the minutes the plan saw."""
    return sa.update(RECORDS).where(RECORDS.c.id == a.record_id, RECORDS.c.status == "pending",
                                    RECORDS.c.minutes == a.old_minutes)


def _lost(record_id: int):
    """The write changed nothing: say whether an admin decided first or another change came first."""
    db.session.rollback()
    status = db.session.execute(sa.select(HourRecord.status).where(HourRecord.id == record_id)).scalar_one()
    if status != "pending":
        raise AlreadyDecided(DECIDED)
    raise RecordChanged()


def _write_correction(a: Amendment) -> bool:
    changed = db.session.execute(
        _guarded(a).values(minutes=a.new_minutes, points=a.new_points).returning(RECORDS.c.id)).first()
    if changed is None:
        return False
    extra = a.new_minutes - a.old_minutes
    if extra > 0 and not day_minutes.claim(a.volunteer_id, a.service_date, extra):
        raise DailyLimitExceeded()  # run_write rolls the record back too
    if extra < 0:
        day_minutes.release(a.volunteer_id, a.service_date, -extra)
    audit.record("hours.corrected", actor=a.actor_id, subject_type="hour_records", subject_id=a.record_id,
                 before=a.before, after=a.after)
    return True


def _write_withdrawal(a: Amendment) -> bool:
    changed = db.session.execute(
        _guarded(a).values(status="rejected", reason=a.after["reason"], decided_by_id=a.actor_id,
                           decided_at=a.at, withdrawn_at=a.at).returning(RECORDS.c.id)).first()
    if changed is None:
        return False
    day_minutes.release(a.volunteer_id, a.service_date, a.old_minutes)
    audit.record("hours.withdrawn", actor=a.actor_id, subject_type="hour_records", subject_id=a.record_id,
                 before=a.before, after=a.after)
    return True


def _fresh(record_id: int) -> HourRecord:
    db.session.rollback()
    return db.session.execute(
        sa.select(HourRecord).where(HourRecord.id == record_id).execution_options(populate_existing=True)
    ).scalar_one()


def correct_minutes(record_id, minutes, actor) -> HourRecord:
    """Change a pending record's minutes (and so its points, at the rate it was logged with)."""
    plan = plan_correction(record_id, minutes, actor)
    if not run_write(lambda: _write_correction(plan)):
        _lost(plan.record_id)
    return _fresh(plan.record_id)


def withdraw_hours(record_id, reason, actor) -> HourRecord:
    """Take back a pending record with a reason: it will never be approved; the person may be logged again."""
    plan = plan_withdrawal(record_id, reason, actor)
    if not run_write(lambda: _write_withdrawal(plan)):
        _lost(plan.record_id)
    return _fresh(plan.record_id)
