"""Factories for the people branch's tests: a lead's record in a known state, read back plainly."""

from types import SimpleNamespace

import sqlalchemy as sa

from audit.models import AuditEvent
from extensions import db
from points.day_minutes import live_minutes
from points.models import HourRecord


def read_record(app, record_id: int) -> SimpleNamespace:
    """The record's status, minutes, points, withdrawn flag and its person's day minutes."""
    with app.app_context():
        r = db.session.get(HourRecord, record_id)
        return SimpleNamespace(status=r.status, minutes=r.minutes, points=r.points, reason=r.reason,
                               withdrawn=r.withdrawn_at is not None,
                               day_minutes=live_minutes(r.volunteer_id, r.service_date))


def actions_on(app, record_id: int) -> list[str]:
    """The audit actions recorded on one hour record, oldest first."""
    with app.app_context():
        return list(db.session.execute(
            sa.select(AuditEvent.action).where(AuditEvent.subject_type == "hour_records",
                                               AuditEvent.subject_id == record_id).order_by(AuditEvent.id)
        ).scalars())


def chinese_folded(app, msgid: str = "What I can afford") -> bool:
    """Whether this branch's pending Chinese (translations/pending/people.json) is in the compiled catalogue.

    On the branch it is not (messages.po is folded at the merge); the Chinese-text checks run once it is."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("zh_Hans_CN"):
        return gettext(msgid) != msgid


def require_chinese(app) -> None:
    assert chinese_folded(app), ("the Chinese catalogue lacks the people pages' strings: run make translations "
                                 "and scripts/fold-translations.py")
