"""Signing in: password check, throttling counted in the database, audit events.

More than LOGIN_MAX_FAILURES_PER_USERNAME failures for one username, or
LOGIN_MAX_FAILURES_PER_ADDRESS from one address, within LOGIN_FAILURE_WINDOW_MINUTES
refuse every further attempt (right password included) until the window passes.
Failures are rows in sign_in_failures, so every server process counts the same ones;
the count is re-checked inside the write transaction, which the audit head lock
serialises, so concurrent attempts cannot slip past the limit.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from accounts.models import SignInFailure, User
from accounts.passwords import check_password
from audit import service as audit
from core.db import run_write
from core.errors import InvalidCredentials, RateLimited
from core.timeutil import utcnow
from extensions import db

PURGE_AFTER = timedelta(days=1)


def username_key(username: str) -> str:
    """How failures are counted: trimmed, lower case, at most 100 characters."""
    return (username or "").strip().lower()[:100]


def address_key(address: str | None) -> str:
    return (address or "unknown")[:64]


def _window_start() -> datetime:
    return utcnow() - timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])


def is_throttled(username: str, address: str | None) -> bool:
    """True when this username or address has used up its failures in the window."""
    since = _window_start()
    config = current_app.config
    by_name = db.session.execute(
        sa.select(sa.func.count(SignInFailure.id)).where(
            SignInFailure.username == username_key(username), SignInFailure.at >= since
        )
    ).scalar_one()
    if by_name >= config["LOGIN_MAX_FAILURES_PER_USERNAME"]:
        return True
    by_address = db.session.execute(
        sa.select(sa.func.count(SignInFailure.id)).where(
            SignInFailure.address == address_key(address), SignInFailure.at >= since
        )
    ).scalar_one()
    return by_address >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]


def _find_user(username: str) -> User | None:
    key = username_key(username)
    if not key:
        return None
    return db.session.execute(
        sa.select(User).where(sa.func.lower(User.username) == key)
    ).scalar_one_or_none()


def authenticate(username: str, password: str, address: str | None, *, on_success=None, via: str = "web"):
    """The active user with this username and password, or RateLimited / InvalidCredentials.

    on_success(user), if given, runs inside the same write transaction as the
    `auth.signed_in` event (the API issues its token there) and its result is returned
    with the user. Callers must have rejected NUL characters already.
    """
    if is_throttled(username, address):  # cheap refusal before any hashing
        db.session.rollback()
        raise RateLimited()
    user = _find_user(username)
    user_id = user.id if user is not None else None
    ok = check_password(user.password_hash if user is not None else None, password)
    ok = ok and user is not None and user.active
    db.session.rollback()  # end the read transaction; the write starts fresh

    if not ok:
        run_write(lambda: _record_failure(username, address, user_id))
        raise InvalidCredentials()

    def succeed():
        if is_throttled(username, address):
            raise RateLimited()
        signed_in = db.session.get(User, user_id)
        audit.record("auth.signed_in", actor=user_id, subject=signed_in, after={"via": via})
        extra = on_success(signed_in) if on_success is not None else None
        return signed_in, extra

    return run_write(succeed)


def _record_failure(username: str, address: str | None, user_id: int | None) -> None:
    """One failure row and its audit event, in one transaction; RateLimited if over the limit."""
    if is_throttled(username, address):  # a concurrent attempt used up the last one
        raise RateLimited()
    db.session.execute(sa.delete(SignInFailure).where(SignInFailure.at < utcnow() - PURGE_AFTER))
    db.session.add(SignInFailure(username=username_key(username), address=address_key(address), at=utcnow()))
    audit.record(
        "auth.sign_in_failed", actor=None, subject_type="users", subject_id=user_id,
        after={"username": (username or "").strip()[:100]},
    )
