"""Writing messages (inside a business transaction) and reading a person's inbox."""

import sqlalchemy as sa

from audit.service import canonical_json
from core.db import run_write
from core.errors import NotFound
from core.timeutil import utcnow
from extensions import db
from notifications.channels import Outgoing, dispatch
from notifications.models import KINDS, Notification

_PENDING_KEY = "jifen_outgoing_notifications"


def notify(user_id: int, kind: str, **params) -> None:
    """Queue one message to a person in the current write; it exists only if that write commits."""
    notify_many([(user_id, kind, params)])


def notify_many(messages: list[tuple[int, str, dict]]) -> None:
    """One multi-row insert for a chunk of messages (bulk approvals); call inside run_write's work."""
    if not messages:
        return
    now = utcnow()
    rows = []
    for user_id, kind, params in messages:
        if kind not in KINDS:
            raise ValueError(f"unknown notification kind {kind!r}")
        rows.append({"user_id": user_id, "kind": kind, "params": canonical_json(params), "created_at": now})
    db.session.execute(sa.insert(Notification), rows)
    db.session.info.setdefault(_PENDING_KEY, []).extend(Outgoing(u, k, p) for u, k, p in messages)


_installed = False


def install() -> None:
    """Hand committed messages to the extra channels; forget those of rolled-back writes."""
    global _installed
    if _installed:
        return
    _installed = True
    from sqlalchemy.orm import Session

    @sa.event.listens_for(Session, "after_commit")
    def _after_commit(session):
        pending = session.info.pop(_PENDING_KEY, None)
        if pending:
            dispatch(pending)

    @sa.event.listens_for(Session, "after_rollback")
    def _after_rollback(session):
        session.info.pop(_PENDING_KEY, None)


def unread_subquery(user_id) -> sa.ScalarSelect:
    """The person's unread count as a scalar subquery (user_id a value or a bind parameter), for pages
    that read it with their own figures in one statement."""
    return (sa.select(sa.func.count()).select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery())


def unread_count(user_id: int) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ).scalar_one()


def inbox_stmt(user_id: int):
    """The person's messages; order and page them by Notification.id."""
    return sa.select(Notification).where(Notification.user_id == user_id)


def mark_read(notification_id: int, user) -> Notification:
    """Mark one of the person's own messages read; NotFound for anyone else's."""
    owned = db.session.execute(
        sa.select(Notification.id).where(Notification.id == notification_id, Notification.user_id == user.id)
    ).scalar_one_or_none()
    if owned is None:
        raise NotFound()

    def work() -> None:
        db.session.execute(
            sa.update(Notification).where(Notification.id == notification_id, Notification.read_at.is_(None))
            .values(read_at=utcnow()).execution_options(synchronize_session=False))

    # Reading one's own messages changes no points, stock or rights: not an audited act.
    run_write(work, audited=False)
    return db.session.get(Notification, notification_id)


def mark_all_read(user) -> int:
    user_id = user.id

    def work() -> int:
        return db.session.execute(
            sa.update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount

    return run_write(work, audited=False)
