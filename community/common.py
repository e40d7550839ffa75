"""What the community use cases share: conditional transitions, text checks, the people they name."""

import sqlalchemy as sa
from flask_babel import gettext

from accounts.models import User
from core.validate import Checker
from extensions import db

TITLE_MAX = 100
DETAILS_MAX = 1000
NOTE_MAX = 1000


def transition(table: sa.Table, row_id: int, from_status: str, to_status: str, *, where=(), **values) -> bool:
    """UPDATE … SET status = to WHERE id = :id AND status = :from; True when this call moved it.

    The database re-checks the WHERE on the locked row (PostgreSQL) or under the single
    writer (SQLite), so of two concurrent callers exactly one sees True.
    """
    result = db.session.execute(
        sa.update(table).where(table.c.id == row_id, table.c.status == from_status, *where)
        .values(status=to_status, **values).execution_options(synchronize_session=False))
    return result.rowcount == 1


def status_of(table: sa.Table, row_id: int) -> str | None:
    return db.session.execute(sa.select(table.c.status).where(table.c.id == row_id)).scalar_one_or_none()


def active_person(user_id: int | None) -> User | None:
    user = db.session.get(User, user_id) if user_id is not None else None
    return user if user is not None and user.active else None


def checked_text(data: dict, name: str, *, required: bool, max_length: int) -> tuple[str | None, dict]:
    """One text field (trimmed, printable, bounded) and the error it has, if any."""
    c = Checker(data)
    value = c.text(name, required=required, max_length=max_length)
    return value, c.errors


def unknown(name: str) -> dict:
    return {name: gettext("No such record.")}
