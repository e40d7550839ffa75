"""Checking in and out: by the lead's rotating code (the code proves presence), or by a lead's hand.

Checking out proposes a pending hour record through points.hours_log, with its usual refusals
(minutes 1..1440, the day not in the future, one live record per activity, 24 hours a day across
teams), all in the same transaction as the check-out: either both are saved or neither.
"""

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import gettext

from accounts.models import User
from audit import service as audit
from core.db import dialect_insert, run_write
from core.errors import (
    AlreadyCheckedIn,
    AlreadyCheckedOut,
    DailyLimitExceeded,
    DuplicateRecord,
    Forbidden,
    InvalidCode,
    NotCheckedIn,
    NotTeamMember,
    SelfLoggingForbidden,
    ValidationFailed,
)
from core.timeutil import aware, shanghai_today, utcnow
from extensions import db
from points import day_minutes, hours_log
from points.guard_models import MINUTES_PER_DAY
from points.models import Activity, HourRecord
from points.teams import lead_ids
from volunteering import codes
from volunteering.models import Attendance
from volunteering.services import manages, takes_part

ATTENDANCES = Attendance.__table__
MAX_DB_ID = 2**31 - 1


@dataclass(frozen=True)
class Result:
    action: str
    at: datetime
    minutes: int | None = None
    hours_id: int | None = None


def _activity(activity_id) -> Activity:
    known = isinstance(activity_id, int) and not isinstance(activity_id, bool) and 1 <= activity_id <= MAX_DB_ID
    activity = db.session.get(Activity, activity_id) if known else None
    if activity is None:
        raise ValidationFailed({"activity_id": gettext("No such activity.")})
    return activity


def _who(activity: Activity, actor, code, user_id) -> tuple[int, str]:
    """(the volunteer, how): the actor with a good code, or the person a lead names (by hand)."""
    if user_id is not None and user_id != actor.id:
        if not manages(actor, activity):
            raise Forbidden()
        if db.session.get(User, user_id) is None:
            raise ValidationFailed({"user_id": gettext("No such person.")})
        return user_id, "hand"
    if not codes.accepts(activity.id, code):
        if not codes.well_formed(code):
            raise ValidationFailed({"code": gettext("Type the 6 digits the lead shows.")})
        raise InvalidCode()
    return actor.id, "code"


def attend(activity_id, action: str, actor, *, code=None, user_id=None) -> Result:
    """Check a volunteer in or out of an activity."""
    activity = _activity(activity_id)
    volunteer_id, how = _who(activity, actor, code, user_id)
    if not takes_part(activity, volunteer_id):
        raise NotTeamMember(gettext("Sign up for this activity first (or join its team)."))
    if action == "in":
        return _check_in(activity, volunteer_id, actor.id, how)
    return _check_out(activity, volunteer_id, actor.id, how)


def _check_in(activity: Activity, volunteer_id: int, actor_id: int, how: str) -> Result:
    if activity.date != shanghai_today():
        raise ValidationFailed({"activity_id": gettext("Check-in is open on the activity's day (%(day)s) only.",
                                                       day=activity.date)})
    existing = _attendance(activity.id, volunteer_id)
    if existing is not None:
        raise AlreadyCheckedOut() if existing.checked_out_at is not None else AlreadyCheckedIn()
    now = utcnow()

    def work() -> Result:
        new_id = db.session.execute(dialect_insert(ATTENDANCES).values(
            activity_id=activity.id, user_id=volunteer_id, checked_in_at=now, checked_in_by_id=actor_id)
            .on_conflict_do_nothing().returning(ATTENDANCES.c.id)).scalar()
        if new_id is None:
            raise AlreadyCheckedIn()  # a concurrent twin checked in first
        audit.record("attendance.checked_in", actor=actor_id, subject_type="attendances", subject_id=new_id,
                     after={"activity_id": activity.id, "user_id": volunteer_id, "at": now, "how": how})
        return Result("in", now)

    return run_write(work)


def _attendance(activity_id: int, user_id: int) -> Attendance | None:
    return db.session.execute(sa.select(Attendance).where(
        Attendance.activity_id == activity_id, Attendance.user_id == user_id)).scalar_one_or_none()


def _logger(activity: Activity, volunteer_id: int, actor_id: int, how: str) -> int:
    """Who the record is logged by: the lead by hand, else the activity's creator or a lead of its team."""
    if how == "hand":
        if actor_id == volunteer_id:
            raise SelfLoggingForbidden()
        return actor_id
    for candidate in (activity.created_by_id, *lead_ids(activity.team_id)):
        if candidate is not None and candidate != volunteer_id:
            return candidate
    raise SelfLoggingForbidden()  # the only lead checking themselves out: another lead logs it


def _refusals(activity: Activity, volunteer_id: int, minutes: int) -> None:
    """The hour log's refusals, read before the write (the write re-checks the races)."""
    fields = hours_log.activity_problems(activity)
    if not 1 <= minutes <= MINUTES_PER_DAY:
        fields["minutes"] = gettext("Must be from %(min)s to %(max)s.", min=1, max=MINUTES_PER_DAY)
    if fields:
        raise ValidationFailed(fields)
    if db.session.execute(sa.select(HourRecord.id).where(
            HourRecord.activity_id == activity.id, HourRecord.volunteer_id == volunteer_id,
            HourRecord.status.in_(day_minutes.LIVE))).first():
        raise DuplicateRecord()
    used = db.session.execute(sa.select(day_minutes.TABLE.c.minutes).where(
        day_minutes.TABLE.c.user_id == volunteer_id, day_minutes.TABLE.c.day == activity.date)).scalar() or 0
    if used + minutes > MINUTES_PER_DAY:
        raise DailyLimitExceeded()


def _check_out(activity: Activity, volunteer_id: int, actor_id: int, how: str) -> Result:
    existing = _attendance(activity.id, volunteer_id)
    if existing is None:
        raise NotCheckedIn()
    if existing.checked_out_at is not None:
        raise AlreadyCheckedOut()
    now = utcnow()
    # Whole minutes between; a check-out inside the first minute counts one, the least a record holds.
    minutes = max(1, int((now - aware(existing.checked_in_at)).total_seconds()) // 60)
    logger_id = _logger(activity, volunteer_id, actor_id, how)
    _refusals(activity, volunteer_id, minutes)
    note = gettext("Checked in by code") if existing.checked_in_by_id == volunteer_id else gettext("Checked in by a lead")
    row = hours_log.Row(volunteer_id, volunteer_id, minutes, note[:200])
    plan = hours_log.plan_log(activity, [row], SimpleNamespace(id=logger_id))
    attendance_id = existing.id

    def work() -> Result:
        done = db.session.execute(sa.update(ATTENDANCES).where(
            ATTENDANCES.c.id == attendance_id, ATTENDANCES.c.checked_out_at.is_(None))
            .values(checked_out_at=now, checked_out_by_id=actor_id, minutes=minutes)
            .returning(ATTENDANCES.c.id)).scalar()
        if done is None:
            raise AlreadyCheckedOut()
        ids, late = hours_log.write_log(plan)
        if late:
            raise late[0][1]
        db.session.execute(sa.update(ATTENDANCES).where(ATTENDANCES.c.id == attendance_id).values(hours_id=ids[0]))
        audit.record("attendance.checked_out", actor=actor_id, subject_type="attendances", subject_id=attendance_id,
                     after={"activity_id": activity.id, "user_id": volunteer_id, "at": now, "minutes": minutes,
                            "hours_id": ids[0], "how": how})
        return Result("out", now, minutes, ids[0])

    return run_write(work)
