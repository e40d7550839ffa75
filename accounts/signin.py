"""Signing in: password check, throttling counted in the database, audit events.

More than LOGIN_MAX_FAILURES_PER_USERNAME failures for one username, or
LOGIN_MAX_FAILURES_PER_ADDRESS from one address, within LOGIN_FAILURE_WINDOW_MINUTES
refuse every further attempt (right password included) until the window passes.

Failures are counted in sign_in_counters, one row per username and per address; a window
opens at the first failure and lasts the configured minutes. A failure is counted by one
conditional upsert per key that changes no row once the limit is reached inside the window,
so concurrent attempts in any number of server processes can never count past the limit —
the database row is the guard, no lock held by other code is needed. Successful sign-ins
count nothing.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from accounts.models import User
from accounts.passwords import check_password
from accounts.throttle_models import SignInCounter
from audit import service as audit
from core.db import run_write
from core.errors import InvalidCredentials, RateLimited
from core.timeutil import utcnow
from extensions import db

PURGE_AFTER = timedelta(days=1)
COUNTERS = SignInCounter.__table__


def username_key(username: str) -> str:
    """How failures are counted: trimmed, lower case, at most 100 characters."""
    return (username or "").strip().lower()[:100]


def address_key(address: str | None) -> str:
    return (address or "unknown")[:64]


def _limits() -> dict[str, int]:
    config = current_app.config
    return {"username": config["LOGIN_MAX_FAILURES_PER_USERNAME"],
            "address": config["LOGIN_MAX_FAILURES_PER_ADDRESS"]}


def _window_start(now: datetime) -> datetime:
    return now - timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])


def _keys(username: str, address: str | None) -> dict[str, str]:
    return {"address": address_key(address), "username": username_key(username)}


def is_throttled(username: str, address: str | None) -> bool:
    """True when this username or address has used up its failures in the window (one indexed read)."""
    limits, keys = _limits(), _keys(username, address)
    since = _window_start(utcnow())
    rows = db.session.execute(
        sa.select(COUNTERS.c.scope, COUNTERS.c.failures).where(
            sa.tuple_(COUNTERS.c.scope, COUNTERS.c.key).in_(list(keys.items())),
            COUNTERS.c.window_start >= since)
    ).all()
    return any(failures >= limits[scope] for scope, failures in rows)


def _count_failure(scope: str, key: str, limit: int, now: datetime, since: datetime) -> bool:
    """Add one failure to the key's window (a new window if the old one passed); False at the limit."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    expired = COUNTERS.c.window_start < since
    stmt = insert(COUNTERS).values(scope=scope, key=key, window_start=now, failures=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[COUNTERS.c.scope, COUNTERS.c.key],
        set_={
            "failures": sa.case((expired, 1), else_=COUNTERS.c.failures + 1),
            "window_start": sa.case((expired, now), else_=COUNTERS.c.window_start),
        },
        where=sa.or_(expired, COUNTERS.c.failures < limit),
    ).returning(COUNTERS.c.failures)
    return db.session.execute(stmt).first() is not None


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
        signed_in = db.session.get(User, user_id)
        audit.record("auth.signed_in", actor=user_id, subject=signed_in, after={"via": via})
        extra = on_success(signed_in) if on_success is not None else None
        return signed_in, extra

    return run_write(succeed)


def _record_failure(username: str, address: str | None, user_id: int | None) -> None:
    """Count the failure on both keys and audit it, in one transaction; RateLimited if either is full.

    Keys are counted in a fixed order (address, then username) so two attempts cannot deadlock.
    """
    now = utcnow()
    since, limits = _window_start(now), _limits()
    for scope, key in _keys(username, address).items():
        if not _count_failure(scope, key, limits[scope], now, since):
            raise RateLimited()  # a concurrent attempt used up the last one: nothing is counted
    db.session.execute(sa.delete(COUNTERS).where(COUNTERS.c.window_start < now - PURGE_AFTER))
    audit.record(
        "auth.sign_in_failed", actor=None, subject_type="users", subject_id=user_id,
        after={"username": (username or "").strip()[:100]},
    )
