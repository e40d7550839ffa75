"""Factories for nominations: plain functions, each in its own app context, returning plain values."""

from datetime import date, timedelta

import sqlalchemy as sa

from core.db import run_write
from core.timeutil import shanghai_today
from extensions import db
from notices import closing, services
from notices.models import Nomination
from tests.factories import make_user
from tests.factories_points import load_user

TYPE = "excellent_volunteer"  # 优秀志愿者 +100, seeded by the migrations


def nominate(app, nominee, by, *, type_ref: str = TYPE, reason: str = "长期照顾独居老人") -> int:
    with app.test_request_context():
        return services.nominate(nominee.id, type_ref, reason, load_user(by.id))


def review(app, nomination_id: int, admin, decision: str = "approve", reason: str | None = None,
           today: date | None = None):
    with app.test_request_context():
        return services.review(nomination_id, decision, reason or ("不符合条件" if decision == "reject" else None),
                               load_user(admin.id), today=today)


def object_to(app, nomination_id: int, person, reason: str = "此人并未参加活动", today: date | None = None) -> int:
    with app.test_request_context():
        return services.object_to(nomination_id, reason, load_user(person.id), today=today)


def in_notice(app, nominee, admin, *, by=None) -> int:
    """A nomination approved today: in notice until today + notice_days."""
    nomination_id = nominate(app, nominee, by or admin)
    review(app, nomination_id, admin)
    return nomination_id


def set_notice_ends(app, nomination_id: int, day: date) -> None:
    """Move a notice's last day (tests of the boundaries; the app never edits it)."""
    with app.app_context():
        run_write(lambda: db.session.execute(sa.update(Nomination).where(Nomination.id == nomination_id)
                                             .values(notice_ends=day)), audited=False)


def close(app, today: date) -> list[int]:
    with app.app_context():
        return closing.close_notices(today)


def status(app, nomination_id: int) -> str:
    with app.app_context():
        return db.session.get(Nomination, nomination_id).status


def notice_ends(app, nomination_id: int) -> date | None:
    with app.app_context():
        return db.session.get(Nomination, nomination_id).notice_ends


def people(app):
    """Two admins, a resident nominee and a bystander."""
    return (make_user(app, "admin"), make_user(app, "admin"), make_user(app, name="张小伟"),
            make_user(app, name="李明"))


def days_from_today(n: int) -> date:
    return shanghai_today() + timedelta(days=n)
