"""Logging hours, plan → write: one record, a roster or a CSV, all or nothing.

The plan validates, loads and computes everything (points with the rule in force, audit
snapshots) without a lock. The write is conditional inserts only: the record goes in with
ON CONFLICT DO NOTHING on the one-live-record-per-activity index (duplicate_record), and the
person's day goes up by a conditional upsert on person_day_minutes (daily_limit_exceeded).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from accounts.models import User
from audit import service as audit
from core.db import run_write
from core.errors import (
    DailyLimitExceeded,
    DomainError,
    DuplicateRecord,
    Forbidden,
    NotTeamMember,
    SelfLoggingForbidden,
    ValidationFailed,
)
from core.timeutil import shanghai_today, utcnow
from extensions import db
from points import day_minutes
from points.activities import authorise_any_lead, authorise_team, current_rule
from points.guard_models import MINUTES_PER_DAY
from points.models import Activity, HourRecord, TeamMember
from points.rules import compute_points
from policy.current import current_policy

LIVE = day_minutes.LIVE
MAX_DB_ID = 2**31 - 1
RECORDS = HourRecord.__table__
FIELD_LABELS = {"minutes": _l("Minutes"), "volunteer_id": _l("Volunteer"), "note": _l("Note"),
                "activity_id": _l("Activity")}


@dataclass(frozen=True)
class Row:
    label: object  # a volunteer id (roster) or a line number (CSV), for error reports
    volunteer_id: int
    minutes: int
    note: str = ""


@dataclass(frozen=True)
class LogPlan:
    """Everything the write needs, computed before it begins."""

    activity_id: int
    service_date: date
    actor_id: int
    logged_at: datetime
    rows: tuple[Row, ...]  # sorted by volunteer id: a fixed lock order for the day rows
    values: tuple[dict, ...]  # the hour_records row of each, in the same order


def reason_of(error: DomainError) -> str:
    """One line saying what is wrong, for per-row reports."""
    if error.fields:
        return " ".join(f"{FIELD_LABELS[name]}: {message}" if name in FIELD_LABELS else str(message)
                        for name, message in error.fields.items())
    return str(error.message)


HONOUR_MEMO = "[补录]"  # on the ledger entry of honour hours (stored text, so one fixed mark)


def memo_title(record, title: str) -> str:
    """The memo of an approval's entry: honour hours (补录) flagged as such."""
    return f"{HONOUR_MEMO} {title}" if getattr(record, "honour", False) else title


def record_snapshot(values) -> dict:
    """The audited view of a record (a row mapping or an HourRecord)."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    return {name: get(name) for name in (
        "activity_id", "volunteer_id", "minutes", "service_date", "points", "points_per_hour",
        "multiplier", "rule_version", "status", "reason", "honour")}


def authorise(activity_id, actor) -> Activity | None:
    """403s first: not a lead at all, then not a lead of this activity's team."""
    if actor is None:
        raise Forbidden()
    authorise_any_lead(actor)
    known = isinstance(activity_id, int) and not isinstance(activity_id, bool) and 1 <= activity_id <= MAX_DB_ID
    activity = db.session.get(Activity, activity_id) if known else None
    if activity is not None:
        authorise_team(actor, activity.team_id)
    return activity


def activity_problems(activity: Activity | None) -> dict:
    if activity is None:
        return {"activity_id": gettext("No such activity.")}
    if activity.date > shanghai_today():
        return {"activity_id": gettext("The activity's date (%(day)s) is in the future.", day=activity.date)}
    return {}


def _row_fields(row: Row, people: dict[int, bool]) -> dict:
    fields = {}
    minutes = row.minutes
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MINUTES_PER_DAY:
        fields["minutes"] = gettext("Must be from %(min)s to %(max)s.", min=1, max=MINUTES_PER_DAY)
    if not people.get(row.volunteer_id, False):
        fields["volunteer_id"] = gettext("No such person.")
    if not isinstance(row.note, str) or len(row.note) > 200 or "\x00" in row.note:
        fields["note"] = gettext("At most %(n)s characters.", n=200)
    return fields


def _known_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_DB_ID


def _load_people(rows, team_id: int | None, day: date | None, activity_id: int | None):
    """Active flags, team members, live records on this activity and day minutes, four queries."""
    ids = sorted({r.volunteer_id for r in rows if _known_id(r.volunteer_id)})
    if not ids:
        return {}, set(), set(), {}
    people = dict(db.session.execute(sa.select(User.id, User.active).where(User.id.in_(ids))).all())
    members = set(db.session.execute(sa.select(TeamMember.user_id).where(
        TeamMember.team_id == team_id, TeamMember.user_id.in_(ids))).scalars()) if team_id else set()
    live = set(db.session.execute(sa.select(HourRecord.volunteer_id).where(
        HourRecord.activity_id == activity_id, HourRecord.volunteer_id.in_(ids),
        HourRecord.status.in_(LIVE))).scalars()) if activity_id else set()
    table = day_minutes.TABLE
    used = dict(db.session.execute(sa.select(table.c.user_id, table.c.minutes).where(
        table.c.day == day, table.c.user_id.in_(ids))).all()) if day else {}
    return people, members, live, used


def check_rows(activity: Activity | None, rows: list[Row], actor):
    """(good rows, [(label, DomainError)]): every problem a read can find, in API order per row."""
    team_id = activity.team_id if activity is not None else None
    day = activity.date if activity is not None else None
    people, members, live, used = _load_people(rows, team_id, day, getattr(activity, "id", None))
    good, problems, seen = [], [], set()
    for row in rows:
        if row.volunteer_id in seen:
            problems.append((row, DuplicateRecord()))
            continue
        seen.add(row.volunteer_id)
        if row.volunteer_id == actor.id:
            problems.append((row, SelfLoggingForbidden()))
            continue
        fields = _row_fields(row, people)
        if fields:
            problems.append((row, ValidationFailed(fields)))
        elif activity is None:
            good.append(row)
        elif row.volunteer_id not in members:
            problems.append((row, NotTeamMember()))
        elif row.volunteer_id in live:
            problems.append((row, DuplicateRecord()))
        elif used.get(row.volunteer_id, 0) + row.minutes > MINUTES_PER_DAY:
            problems.append((row, DailyLimitExceeded()))
        else:
            good.append(row)
    return good, problems


def plan_log(activity: Activity, rows: list[Row], actor, honour: bool = False) -> LogPlan:
    """Points computed now with the rule in force; the rate, multiplier and version kept on each record.

    Honour hours (补录, admins only) earn points only if the policy says so; else the record carries 0.
    """
    rule = current_rule()
    multiplier: Decimal = activity.difficulty.multiplier
    earns = not honour or current_policy().honour_hours_earn_points
    logged_at = utcnow()
    ordered = tuple(sorted(rows, key=lambda r: r.volunteer_id))
    values = tuple({
        "activity_id": activity.id, "volunteer_id": row.volunteer_id, "minutes": row.minutes,
        "service_date": activity.date,
        "points": compute_points(row.minutes, rule.points_per_hour, multiplier) if earns else 0, "honour": honour,
        "points_per_hour": rule.points_per_hour, "multiplier": multiplier, "rule_version": rule.id,
        "status": "pending", "note": (row.note or "").strip(), "logged_by_id": actor.id,
        "logged_at": logged_at, "reason": None,
    } for row in ordered)
    return LogPlan(activity.id, activity.date, actor.id, logged_at, ordered, values)


def _insert_records(values) -> dict[int, int]:
    """Multi-row insert; a person who already has a live record on the activity is skipped. {volunteer: id}"""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(RECORDS).values(list(values)).on_conflict_do_nothing(
        index_elements=["activity_id", "volunteer_id"], index_where=sa.text("status IN ('pending', 'approved')"),
    ).returning(RECORDS.c.id, RECORDS.c.volunteer_id)
    return {volunteer: record_id for record_id, volunteer in db.session.execute(stmt)}


def write_log(plan: LogPlan) -> tuple[list[int], list[tuple[Row, DomainError]]]:
    """Inside run_write: the records, the day minutes, the audit events; late refusals listed, not raised."""
    inserted = _insert_records(plan.values)
    ids, late = [], []
    for row, values in zip(plan.rows, plan.values, strict=True):
        record_id = inserted.get(row.volunteer_id)
        if record_id is None:
            late.append((row, DuplicateRecord()))
        elif not day_minutes.claim(row.volunteer_id, plan.service_date, row.minutes):
            late.append((row, DailyLimitExceeded()))
        else:
            ids.append(record_id)
            audit.record("hours.logged", actor=plan.actor_id, subject_type="hour_records",
                         subject_id=record_id, after=record_snapshot(values))
    return ids, late


def load_records(ids: list[int]) -> list[HourRecord]:
    """The saved records, for the answer (after the commit)."""
    found = {r.id: r for r in db.session.execute(sa.select(HourRecord).where(HourRecord.id.in_(ids))).scalars()}
    return [found[i] for i in ids]


def log_hours(activity_id: int, volunteer_id: int, minutes: int, actor, note: str = "",
              honour: bool = False) -> HourRecord:
    """Log one volunteer's minutes on an activity, pending approval; honour=True (admins only) for 补录."""
    if honour and (actor is None or not actor.has_role("admin")):
        raise Forbidden(gettext("Only an admin may record honour hours (补录)."))
    activity = authorise(activity_id, actor)
    if volunteer_id == actor.id:
        raise SelfLoggingForbidden()
    row = Row(volunteer_id, volunteer_id, minutes, note or "")
    fields = activity_problems(activity)
    good, problems = check_rows(activity if not fields else None, [row], actor)
    if problems:
        problem = problems[0][1]
        if isinstance(problem, ValidationFailed):
            fields.update(problem.fields)
        elif not fields:
            raise problem
    if fields:
        raise ValidationFailed(fields)
    plan = plan_log(activity, good, actor, honour=honour)

    def work() -> list[int]:
        ids, late = write_log(plan)
        if late:
            raise late[0][1]
        return ids

    return load_records(run_write(work))[0]
