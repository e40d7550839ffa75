"""Sign-ups: who may take part in an activity, signing up within capacity, cancelling.

Capacity is the database's to keep: the head count on activity_places goes up only by a
conditional UPDATE (… WHERE signed_up < capacity) and a unique (activity, person) key stops a
second sign-up, so concurrent sign-ups can never overfill an activity.
"""

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import joinedload

from accounts.models import User
from audit import service as audit
from core.db import dialect_insert, run_write
from core.errors import (
    ActivityFull,
    AlreadyCheckedIn,
    AlreadySignedUp,
    NotFound,
    NotTeamMember,
    ValidationFailed,
)
from core.timeutil import shanghai_today, utcnow
from extensions import db
from points.activities import is_member
from points.models import Activity, Team, TeamMember
from points.teams import is_team_lead
from volunteering.models import ActivityPlaces, Attendance, Signup

MAX_DB_ID = 2**31 - 1
PLACES = ActivityPlaces.__table__
SIGNUPS = Signup.__table__


def activity_or_404(activity_id) -> Activity:
    """The activity, or NotFound for an id that names none."""
    known = isinstance(activity_id, int) and not isinstance(activity_id, bool) and 1 <= activity_id <= MAX_DB_ID
    activity = db.session.get(Activity, activity_id) if known else None
    if activity is None:
        raise NotFound()
    return activity


def is_signed_up(activity_id: int, user_id: int) -> bool:
    return db.session.execute(sa.select(Signup.id).where(
        Signup.activity_id == activity_id, Signup.user_id == user_id)).first() is not None


def takes_part(activity: Activity, user_id: int) -> bool:
    """A member of the activity's team, or someone signed up for it."""
    return is_member(user_id, activity.team_id) or is_signed_up(activity.id, user_id)


def manages(actor, activity: Activity) -> bool:
    """Admins, and leads of the activity's team (holding the team_lead role)."""
    if actor is None:
        return False
    return actor.has_role("admin") or (actor.has_role("team_lead") and is_team_lead(actor.id, activity.team_id))


def signed_up_count(activity_id: int) -> int:
    found = db.session.execute(sa.select(ActivityPlaces.signed_up).where(
        ActivityPlaces.activity_id == activity_id)).scalar()
    return found or 0


def sign_up(activity_id: int, actor) -> Signup:
    """Sign the actor up: a team member, or anyone for an open activity; never past capacity."""
    activity = activity_or_404(activity_id)
    if not activity.open and not is_member(actor.id, activity.team_id):
        raise NotTeamMember(gettext("This activity is for its team's members only."))
    if activity.date < shanghai_today():
        raise ValidationFailed({"activity_id": gettext("This activity is over.")})
    capacity, actor_id, now = activity.capacity, actor.id, utcnow()

    def work() -> int:
        db.session.execute(dialect_insert(PLACES).values(
            activity_id=activity.id, capacity=capacity, signed_up=0).on_conflict_do_nothing())
        taken = db.session.execute(
            sa.update(PLACES).where(PLACES.c.activity_id == activity.id, sa.or_(
                PLACES.c.capacity.is_(None), PLACES.c.signed_up < PLACES.c.capacity))
            .values(signed_up=PLACES.c.signed_up + 1).returning(PLACES.c.signed_up)).scalar()
        if taken is None:
            raise ActivityFull()
        signup_id = db.session.execute(dialect_insert(SIGNUPS).values(
            activity_id=activity.id, user_id=actor_id, created_at=now)
            .on_conflict_do_nothing().returning(SIGNUPS.c.id)).scalar()
        if signup_id is None:
            raise AlreadySignedUp()
        audit.record("signup.created", actor=actor_id, subject_type="signups", subject_id=signup_id,
                     after={"activity_id": activity.id, "user_id": actor_id, "signed_up": taken,
                            "capacity": capacity})
        return signup_id

    signup_id = run_write(work)
    return db.session.get(Signup, signup_id)


def cancel_sign_up(activity_id: int, actor) -> None:
    """Cancel the actor's sign-up and free the place; refused once they have checked in."""
    activity = activity_or_404(activity_id)
    if not is_signed_up(activity.id, actor.id):
        raise NotFound()
    if db.session.execute(sa.select(Attendance.id).where(
            Attendance.activity_id == activity.id, Attendance.user_id == actor.id)).first():
        raise AlreadyCheckedIn(gettext("You have already checked in; a sign-up cannot be cancelled now."))
    actor_id = actor.id

    def work() -> None:
        gone = db.session.execute(sa.delete(SIGNUPS).where(
            SIGNUPS.c.activity_id == activity.id, SIGNUPS.c.user_id == actor_id).returning(SIGNUPS.c.id)).scalar()
        if gone is None:
            raise NotFound()  # a concurrent cancel got there first
        db.session.execute(sa.update(PLACES).where(PLACES.c.activity_id == activity.id)
                           .values(signed_up=PLACES.c.signed_up - 1))
        audit.record("signup.cancelled", actor=actor_id, subject_type="signups", subject_id=gone,
                     before={"activity_id": activity.id, "user_id": actor_id})

    run_write(work)


# Reads ---------------------------------------------------------------------------------

def upcoming_for(user: User, limit: int = 100) -> list[dict]:
    """Activities from today on that this person may sign up for: open ones and their teams' ones."""
    my_teams = sa.select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    activities = list(db.session.execute(
        sa.select(Activity).options(joinedload(Activity.team))
        .where(Activity.date >= shanghai_today(), sa.or_(Activity.open.is_(True), Activity.team_id.in_(my_teams)))
        .order_by(Activity.date, Activity.starts_at, Activity.id).limit(limit)).scalars())
    ids = [a.id for a in activities] or [-1]
    counts = dict(db.session.execute(sa.select(ActivityPlaces.activity_id, ActivityPlaces.signed_up)
                                     .where(ActivityPlaces.activity_id.in_(ids))).all())
    mine = set(db.session.execute(sa.select(Signup.activity_id).where(
        Signup.user_id == user.id, Signup.activity_id.in_(ids))).scalars())
    return [{"activity": a, "signed_up": counts.get(a.id, 0), "mine": a.id in mine,
             "full": a.capacity is not None and counts.get(a.id, 0) >= a.capacity} for a in activities]


def my_signups(user_id: int) -> list[Activity]:
    """Activities this person signed up for, from today on."""
    return list(db.session.execute(
        sa.select(Activity).join(Signup, Signup.activity_id == Activity.id)
        .where(Signup.user_id == user_id, Activity.date >= shanghai_today()).order_by(Activity.date)).scalars())


def today_for(user_id: int) -> list[Activity]:
    """Today's activities this person may check in to: signed up, or of one of their teams."""
    my_teams = sa.select(TeamMember.team_id).where(TeamMember.user_id == user_id)
    mine = sa.select(Signup.activity_id).where(Signup.user_id == user_id)
    return list(db.session.execute(
        sa.select(Activity).where(Activity.date == shanghai_today(), sa.or_(
            Activity.id.in_(mine), Activity.team_id.in_(my_teams)))
        .order_by(Activity.starts_at, Activity.id).limit(50)).scalars())


def roster(activity_id: int) -> list[dict]:
    """Everyone signed up or checked in, with their attendance, by name."""
    signups = {s.user_id: s for s in db.session.execute(
        sa.select(Signup).options(joinedload(Signup.user)).where(Signup.activity_id == activity_id)).scalars()}
    seen = {a.user_id: a for a in db.session.execute(
        sa.select(Attendance).options(joinedload(Attendance.user))
        .where(Attendance.activity_id == activity_id)).scalars()}
    people = {uid: s.user for uid, s in signups.items()} | {uid: a.user for uid, a in seen.items()}
    return sorted(({"user": person, "signup": signups.get(uid), "attendance": seen.get(uid)}
                   for uid, person in people.items()), key=lambda row: (row["user"].name, row["user"].id))


def team_name(team_id: int) -> str:
    team = db.session.get(Team, team_id)
    return team.name if team else ""
