"""Activities: created by a lead of the team (or an admin), each with a difficulty level.

Also who may manage which team's activities and hours (admins: all; leads: their teams).
"""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import joinedload, selectinload

from accounts.models import User
from audit import service as audit
from core.db import run_write
from core.errors import Forbidden, NotTeamLead
from core.timeutil import shanghai_date
from core.validate import Checker
from extensions import db
from points.models import Activity, HourRecord, Team, TeamMember
from points.setup_services import current_rule, level_by_code  # noqa: F401  (re-used by hours)
from points.teams import is_team_lead, teams_led_by


def leads_any_team(user_id: int) -> bool:
    return bool(teams_led_by(user_id))  # a lead mark without the team_lead role grants nothing


def visible_teams(actor: User) -> list[Team]:
    """Teams whose activities and hours this person manages: all for an admin, else those they lead."""
    if actor.has_role("admin"):
        return list(db.session.execute(sa.select(Team).order_by(Team.name)).scalars())
    return teams_led_by(actor.id)


def is_member(user_id: int, team_id: int) -> bool:
    return db.session.get(TeamMember, (team_id, user_id)) is not None


def team_members(team_id: int) -> list[User]:
    return list(db.session.execute(
        sa.select(User).join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == team_id).order_by(User.name, User.id)
    ).scalars())


def authorise_team(actor: User, team_id: int) -> None:
    """403 unless the actor is an admin or leads this team (not_team_lead for other leads).

    Powers follow roles: a lead mark on a team counts only while the person holds team_lead.
    """
    if actor is None or actor.has_role("admin"):
        return
    if not actor.has_role("team_lead"):
        raise Forbidden()
    if is_team_lead(actor.id, team_id):
        return
    raise NotTeamLead()


def authorise_any_lead(actor: User) -> None:
    """403 forbidden for someone who is neither an admin nor holds the team_lead role."""
    if actor is None or actor.has_role("admin", "team_lead"):
        return
    raise Forbidden()


def activity_snapshot(activity: Activity) -> dict:
    return {
        "team_id": activity.team_id, "title": activity.title, "date": activity.date,
        "place": activity.place, "category": activity.category, "difficulty_id": activity.difficulty_id,
        "open": activity.open, "capacity": activity.capacity, "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
    }


MAX_CAPACITY = 10_000


def check_schedule(c: Checker, day, open_, capacity, starts_at, ends_at) -> None:
    """Open flag, capacity (1–10000 whole places) and start/end times on the activity's day."""
    if not isinstance(open_, bool):
        c.fail("open", gettext("Must be true or false."))
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int)
                                 or not 1 <= capacity <= MAX_CAPACITY):
        c.fail("capacity", gettext("Must be from %(min)s to %(max)s.", min=1, max=MAX_CAPACITY))
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment is not None and (not isinstance(moment, datetime) or moment.tzinfo is None):
            c.fail(name, gettext("Must be a time with its offset, like 2026-05-01T09:00:00+08:00."))
        elif moment is not None and isinstance(day, date) and shanghai_date(moment) != day:
            c.fail(name, gettext("Must be on the activity's date."))
    if (isinstance(starts_at, datetime) and isinstance(ends_at, datetime) and starts_at.tzinfo and ends_at.tzinfo
            and ends_at <= starts_at):
        c.fail("ends_at", gettext("Must be after the start."))


def create_activity(team_id: int, title: str, day: date, difficulty_code: str, actor,
                    category: str = "", place: str = "", *, open_: bool = False, capacity: int | None = None,
                    starts_at: datetime | None = None, ends_at: datetime | None = None) -> Activity:
    """Add an activity to a team; the difficulty is a level code; open ones take sign-ups from anyone."""
    authorise_any_lead(actor)
    team = db.session.get(Team, team_id) if isinstance(team_id, int) else None
    if team is not None:
        authorise_team(actor, team.id)
    c = Checker({"title": title, "category": category or "", "place": place or ""})
    title = c.text("title", max_length=200)
    category = c.text("category", required=False, min_length=0, max_length=40) or ""
    place = c.text("place", required=False, min_length=0, max_length=200) or ""
    if team is None:
        c.fail("team_id", gettext("No such team."))
    if not isinstance(day, date):
        c.fail("date", gettext("Must be a date like 2026-05-01."))
    level = level_by_code(difficulty_code) if isinstance(difficulty_code, str) else None
    if level is None or not level.active:
        c.fail("difficulty", gettext("No such difficulty level."))
    check_schedule(c, day, open_, capacity, starts_at, ends_at)
    c.done()
    actor_id = getattr(actor, "id", None)
    level_id = level.id
    # Stored as UTC: SQLite keeps no offset, and every reader takes a stored time for UTC.
    starts_at, ends_at = (m.astimezone(UTC) if m is not None else None for m in (starts_at, ends_at))

    def work() -> Activity:
        activity = Activity(team_id=team_id, title=title, date=day, place=place, category=category,
                            difficulty_id=level_id, created_by_id=actor_id, open=open_, capacity=capacity,
                            starts_at=starts_at, ends_at=ends_at)
        db.session.add(activity)
        db.session.flush()
        audit.record("activity.created", actor=actor_id, subject=activity, after=activity_snapshot(activity))
        return activity

    return run_write(work)


def recent_activities(team_ids: list[int], limit: int = 20) -> list[Activity]:
    if not team_ids:
        return []
    return list(db.session.execute(
        sa.select(Activity).where(Activity.team_id.in_(team_ids))
        .order_by(Activity.date.desc(), Activity.id.desc()).limit(limit)
    ).scalars())


# Reads for the lead and approval pages -------------------------------------------------

def _records(stmt):
    return list(db.session.execute(
        stmt.options(joinedload(HourRecord.activity).joinedload(Activity.team),
                     joinedload(HourRecord.volunteer))
    ).scalars())


def pending_records(team_ids: list[int] | None, limit: int = 200):
    """Pending records, oldest first; team_ids None means every team."""
    stmt = sa.select(HourRecord).join(Activity).where(HourRecord.status == "pending")
    if team_ids is not None:
        stmt = stmt.where(Activity.team_id.in_(team_ids or [-1]))
    return _records(stmt.order_by(HourRecord.id).limit(limit))


def activity_records(activity_id: int):
    return _records(sa.select(HourRecord).where(HourRecord.activity_id == activity_id).order_by(HourRecord.id))


def approved_records_stmt() -> sa.Select:
    """Approved records, newest decision first (read along ix_hour_records_status_decided)."""
    return (sa.select(HourRecord).where(HourRecord.status == "approved")
            .order_by(HourRecord.decided_at.desc(), HourRecord.id.desc()))


def approved_records_page(page: int, per_page: int = 20, total: int | None = None):
    """One page of approved records (Flask-SQLAlchemy pagination).

    total, when known (the kept count), spares a COUNT over every approved record.
    """
    # selectinload, not a join: the page is then a plain walk of the (status, decided_at, id) index,
    # which PostgreSQL otherwise trades for a join and a sort of every approved record.
    stmt = approved_records_stmt().options(selectinload(HourRecord.activity), selectinload(HourRecord.volunteer))
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=total is None)
    if total is not None:
        pagination.total = total
    return pagination


def my_records(user_id: int, limit: int = 5):
    return _records(sa.select(HourRecord).where(HourRecord.volunteer_id == user_id)
                    .order_by(HourRecord.id.desc()).limit(limit))
