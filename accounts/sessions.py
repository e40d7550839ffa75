"""Server-side web sessions: a row per signed-in browser, looked up on every request.

The session cookie and the remember-me cookie both carry a random token naming a
`web_sessions` row (Flask-Login stores `User.get_id()` in both). Sign-out deletes that
row; a password change, a lost role or deactivation deletes all of a person's rows and
API tokens. Either way every copy of the cookies stops working at once, in every server
process, because each request finds its user through the row (one indexed lookup).
"""

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, flash, g
from flask_babel import gettext
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from accounts.models import ApiToken, User, WebSession
from audit import service as audit
from core.api import token_hash
from core.db import run_write
from core.timeutil import aware, utcnow
from extensions import db

MAX_TOKEN_LENGTH = 100
# The last-seen time is written at most this often per session: no write on most requests.
TOUCH_EVERY = timedelta(seconds=60)


def session_lifetime() -> timedelta:
    """How long a web session lives at most, remembered or not: the remember cookie's duration."""
    return current_app.config["REMEMBER_COOKIE_DURATION"]


def open_session(user: User) -> str:
    """Insert a new session row for user (inside the caller's write) and return its token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    # The person's dead sessions go now, so the table holds only live ones.
    db.session.execute(sa.delete(WebSession).where(WebSession.user_id == user.id, WebSession.expires_at <= now))
    db.session.add(WebSession(user_id=user.id, token_hash=token_hash(token), created_at=now,
                              last_seen_at=now, expires_at=now + session_lifetime()))
    return token


def close_session(token: str | None, actor_id: int | None) -> None:
    """Delete the session row behind token (sign-out), audited; nothing when it is already gone."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return
    hashed = token_hash(token)

    def work() -> None:
        row = db.session.execute(sa.select(WebSession).where(WebSession.token_hash == hashed)).scalar_one_or_none()
        if row is None:
            return
        db.session.delete(row)
        db.session.flush()
        audit.record("auth.signed_out", actor=actor_id, subject_type="users", subject_id=row.user_id)

    run_write(work)


def end_all_sessions(user_id: int) -> int:
    """Inside a write: delete every web session and API token of the person; how many went."""
    sessions = db.session.execute(sa.delete(WebSession).where(WebSession.user_id == user_id)).rowcount
    tokens = db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user_id)).rowcount
    return (sessions or 0) + (tokens or 0)


def _idle_limit(user: User) -> timedelta | None:
    """Counter PCs are shared: a store keeper's session ends after this long without activity."""
    minutes = current_app.config.get("KEEPER_IDLE_MINUTES") or 0
    if minutes and user.has_role("store_keeper"):
        return timedelta(minutes=minutes)
    return None


# Built once: the person, their roles (joined, not a second SELECT) and the session row's id and last-seen time.
_SESSION_USER = (
    sa.select(User, WebSession.id, WebSession.last_seen_at)
    .join(WebSession, WebSession.user_id == User.id)
    .where(WebSession.token_hash == sa.bindparam("token_hash"), WebSession.expires_at > sa.bindparam("now"))
    .options(joinedload(User.role_rows))
)


def load_session_user(token: str) -> User | None:
    """Flask-Login's user loader: the active user of a live session row, else None (one statement)."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.startswith("no-session"):
        return None
    now = utcnow()
    found = db.session.execute(_SESSION_USER, {"token_hash": token_hash(token), "now": now}).unique().first()
    if found is None:
        return None
    user, session_id, last_seen = found
    if not user.active:
        return None
    idle = now - aware(last_seen)
    limit = _idle_limit(user)
    if limit is not None and idle > limit:
        _write_quietly(sa.delete(WebSession).where(WebSession.id == session_id))
        if not g.get("idle_flashed"):
            g.idle_flashed = True
            flash(gettext("You were signed out after %(n)s minutes without activity. Please sign in again.",
                          n=current_app.config["KEEPER_IDLE_MINUTES"]), "warning")
        return None
    if idle > TOUCH_EVERY:
        _write_quietly(sa.update(WebSession).where(WebSession.id == session_id).values(last_seen_at=now))
    user.web_session_token = token
    return user


def _write_quietly(statement) -> None:
    """A bookkeeping write on its own connection, so the request's transaction is untouched.

    Best effort: a busy database skips this touch; the next request tries again.
    """
    try:
        with db.engine.begin() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:  # never hold a page up behind a long write for a bookkeeping touch
                connection.exec_driver_sql("PRAGMA busy_timeout=250")
            try:
                connection.execute(statement)
            finally:
                if sqlite:
                    connection.exec_driver_sql("PRAGMA busy_timeout=10000")
    except SQLAlchemyError:
        current_app.logger.info("session bookkeeping skipped: database busy")
