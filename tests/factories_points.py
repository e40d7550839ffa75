"""Factories for teams, activities and hour records (hours area). Plain values out, no ORM objects."""

import itertools
from datetime import date, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from accounts.models import User
from core.db import run_write
from core.timeutil import shanghai_today
from extensions import db
from points import activities, hours, ledger
from points.models import HourRecord, Team, TeamMember

_counter = itertools.count(1)


def load_user(user_id: int) -> User:
    return db.session.get(User, user_id)


def make_team(app, leads=(), members=(), name: str | None = None) -> int:
    """A team with the given leads (is_lead) and plain members (objects with .id); returns its id."""
    with app.test_request_context():
        def work() -> int:
            team = Team(name=name or f"志愿服务队{next(_counter)}")
            db.session.add(team)
            db.session.flush()
            for person in leads:
                db.session.add(TeamMember(team_id=team.id, user_id=person.id, is_lead=True))
            for person in members:
                db.session.add(TeamMember(team_id=team.id, user_id=person.id, is_lead=False))
            return team.id

        return run_write(work)


def make_activity(app, team_id: int, actor, day: date | None = None, difficulty: str = "normal",
                  title: str | None = None) -> int:
    """An activity on day (today in Shanghai by default), created by actor through the service."""
    with app.test_request_context():
        activity = activities.create_activity(
            team_id, title or f"活动{next(_counter)}", day or shanghai_today(), difficulty,
            load_user(actor.id), category="环境卫生")
        return activity.id


def log(app, activity_id: int, volunteer, minutes: int, actor) -> int:
    with app.test_request_context():
        return hours.log_hours(activity_id, volunteer.id, minutes, load_user(actor.id)).id


def approve(app, record_id: int, admin) -> None:
    with app.test_request_context():
        hours.approve_hours(record_id, load_user(admin.id))


def record(app, record_id: int) -> SimpleNamespace:
    with app.test_request_context():
        r = db.session.get(HourRecord, record_id)
        return SimpleNamespace(id=r.id, status=r.status, points=r.points, minutes=r.minutes,
                               points_per_hour=r.points_per_hour, multiplier=r.multiplier,
                               rule_version=r.rule_version, transfer_id=r.transfer_id, reason=r.reason)


def count_records(app) -> int:
    with app.test_request_context():
        return db.session.execute(sa.select(sa.func.count(HourRecord.id))).scalar_one()


def balance(app, user) -> int:
    with app.test_request_context():
        return ledger.user_balance(user.id)


def spend(app, user, amount: int, key: str = "spend") -> None:
    """Take points from a person, as a redemption would."""
    with app.test_request_context():
        run_write(lambda: ledger.take_from_user(
            user_id=user.id, amount=amount, kind="redemption", key=key,
            body_hash=ledger.request_hash({"spend": amount}), actor_id=None, memo="test",
            source_type="test", source_id=1))


def yesterday() -> date:
    return shanghai_today() - timedelta(days=1)


def crew(app):
    """An admin, a lead, two members and an outsider, in one team with one activity today."""
    from tests.factories import make_user

    admin = make_user(app, "admin")
    lead = make_user(app, "team_lead")
    a = make_user(app)
    b = make_user(app)
    outsider = make_user(app)
    team_id = make_team(app, leads=[lead], members=[a, b])
    activity_id = make_activity(app, team_id, lead)
    return SimpleNamespace(admin=admin, lead=lead, a=a, b=b, outsider=outsider, team_id=team_id,
                           activity_id=activity_id)
