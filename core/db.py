"""Transactions: one write unit of work per use case, short and serialised.

SQLite: every connection gets WAL, foreign keys, a busy timeout and synchronous=FULL;
write use cases open with BEGIN IMMEDIATE so a read-then-write never fails with
"database is locked". PostgreSQL: deadlocks and serialisation failures are retried.
"""

from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from core.errors import IdempotencyConflict
from extensions import db

T = TypeVar("T")
_begin_immediate: ContextVar[bool] = ContextVar("begin_immediate", default=False)
_begin_hooks: list[Callable[[], None]] = []
RETRYABLE_PG_CODES = {"40P01", "40001"}  # deadlock_detected, serialization_failure
MAX_ATTEMPTS = 4


def install_sqlite_pragmas(engine: sa.Engine) -> None:
    """Per-connection durability settings; on SQLite also our own BEGIN so we can choose IMMEDIATE."""
    if engine.dialect.name == "postgresql":

        @sa.event.listens_for(engine, "connect")
        def _pg_on_connect(dbapi_connection, _record):
            # An acknowledged commit is on disk, whatever the server's default says.
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO on")
            dbapi_connection.commit()

        return
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=10000",
            "PRAGMA synchronous=FULL",
        ):
            cursor.execute(pragma)
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _begin_immediate.get() else "BEGIN")


def register_begin_hook(hook: Callable[[], None]) -> None:
    """Run hook first in every write transaction (the audit head lock uses it)."""
    if hook not in _begin_hooks:
        _begin_hooks.append(hook)


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _retryable(error: DBAPIError) -> bool:
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    return code in RETRYABLE_PG_CODES


def run_write(work: Callable[[], T], *, audited: bool = True) -> T:
    """Run work() in one write transaction and commit once; retry transient conflicts.

    audited=False skips the begin hooks (the audit head lock) for writes that record
    no audit event and take no other row locks, e.g. remembering an API answer.

    work must be safe to run again: a retried attempt starts from a clean session.
    An IntegrityError is retried once too, because a concurrent twin of the same
    request (same idempotency key) loses the unique-key race and must then replay.
    """
    session = db.session
    integrity_retried = False
    for attempt in range(1, MAX_ATTEMPTS + 1):
        session.rollback()  # end any read transaction so BEGIN IMMEDIATE is ours
        token = _begin_immediate.set(True)
        try:
            for hook in _begin_hooks if audited else ():
                hook()
            result = work()
            session.commit()
            return result
        except IntegrityError as error:
            session.rollback()
            if integrity_retried:
                if "idempotency_key" in str(error.orig):
                    # Not a twin (that replays on the retry): a key reused for another action.
                    raise IdempotencyConflict() from error
                raise
            integrity_retried = True
        except DBAPIError as error:
            session.rollback()
            if not _retryable(error) or attempt == MAX_ATTEMPTS:
                raise
        except BaseException:
            session.rollback()
            raise
        finally:
            _begin_immediate.reset(token)
    raise RuntimeError("unreachable")  # pragma: no cover


def insert_ignore(table: sa.Table, values: dict) -> None:
    """INSERT … ON CONFLICT DO NOTHING on either database."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(table).values(**values).on_conflict_do_nothing())
