"""Factories for open activities, sign-ups, attendance and certificates. Plain values out."""

import itertools
from datetime import date, timedelta

from core.timeutil import shanghai_today
from tests.factories_points import load_user
from volunteering import attendance, certificates, codes, services

_counter = itertools.count(1)


def make_open_activity(app, team_id: int, lead, *, capacity: int | None = None, open_: bool = True,
                       day: date | None = None, title: str | None = None) -> int:
    """An activity of the team (today by default), open to everyone unless open_=False."""
    from points import activities

    with app.test_request_context():
        return activities.create_activity(
            team_id, title or f"河道清理{next(_counter)}", day or shanghai_today(), "normal", load_user(lead.id),
            category="环境卫生", place="罗山社区活动中心", open_=open_, capacity=capacity).id


def sign_up(app, activity_id: int, person) -> int:
    with app.test_request_context():
        return services.sign_up(activity_id, load_user(person.id)).id


def code_now(app, activity_id: int, minutes_ago: int = 0) -> str:
    """The attendance code of the window minutes_ago minutes back (0: the current one)."""
    with app.app_context():
        return codes.code_for(activity_id, codes.window_of(codes.utcnow()) - minutes_ago)


def check_in(app, activity_id: int, person) -> None:
    with app.test_request_context():
        attendance.attend(activity_id, "in", load_user(person.id), code=code_now(app, activity_id))


def make_certificate(app, person, actor, start: date | None = None, end: date | None = None) -> str:
    with app.test_request_context():
        today = shanghai_today()
        return certificates.issue_certificate(person.id, start or today - timedelta(days=30), end or today,
                                              load_user(actor.id)).number
