"""Transactions: one write unit of work per use case, short, with the serial part last.

SQLite: every connection gets WAL, foreign keys, a busy timeout and synchronous=FULL;
write use cases open with BEGIN IMMEDIATE so a read-then-write never fails with
"database is locked", after taking their turn at the writers' gate (core.writer_gate).
PostgreSQL: deadlocks and serialisation failures are retried.

Work may queue things to write at the very end of its transaction (the audit chain's
events, a remembered API answer): run_write calls the commit hooks right before COMMIT,
so the one global lock (the audit head) is held for a couple of statements only.
"""

import os
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from core.errors import IdempotencyConflict
from core.writer_gate import writer_turn
from extensions import db

T = TypeVar("T")
# For a connection that runs one SELECT and nothing else (engine.connect().execution_options(**READ_ALONE)).
READ_ALONE = {"jifen_read_alone": True}
_begin_immediate: ContextVar[bool] = ContextVar("begin_immediate", default=False)
_begin_hooks: list[Callable[[], None]] = []
_commit_hooks: list[Callable[[], None]] = []
MEASURE_SERIAL = os.environ.get("JIFEN_MEASURE_SERIAL") == "1"
serial_hold_times: list[float] = []  # ms from the audit head lock to the end of COMMIT (JIFEN_MEASURE_SERIAL=1)
ANSWER_KEY = "jifen_answer_renderer"
QUEUE_KEY = "jifen_write_queue"  # session.info: what the current attempt appends before commit
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
        if connection.get_execution_options().get("jifen_read_alone"):
            return  # one SELECT on its own: SQLite's autocommit makes it consistent, no BEGIN to pay
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _begin_immediate.get() else "BEGIN")


def register_begin_hook(hook: Callable[[], None]) -> None:
    """Run hook first in every audited write transaction (nothing registers one by default)."""
    if hook not in _begin_hooks:
        _begin_hooks.append(hook)


def register_commit_hook(hook: Callable[[], None]) -> None:
    """Run hook last in every write transaction, right before COMMIT (the audit appender uses it)."""
    if hook not in _commit_hooks:
        _commit_hooks.append(hook)


def write_queue() -> dict | None:
    """The current write attempt's queue (name → list), or None outside run_write."""
    return db.session.info.get(QUEUE_KEY)


def mark_serial_start() -> None:
    """Called by whoever takes the global lock, to time the serial section."""
    if MEASURE_SERIAL:
        db.session.info["jifen_serial_start"] = time.perf_counter()


def remember_answer_with(render: Callable[[Any], None] | None) -> None:
    """Let the next run_write call render(result) inside its transaction (core.api.idempotent uses it).

    Kept in session.info, which lives as long as the request's session and no longer.
    """
    db.session.info[ANSWER_KEY] = render


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
    render_answer = session.info.pop(ANSWER_KEY, None)  # only the next write carries the API answer
    session.rollback()  # end any read transaction before queueing for the write
    with writer_turn(session.get_bind()):
        return _attempts(session, work, audited, render_answer)


def _attempts(session, work: Callable[[], T], audited: bool, render_answer) -> T:
    integrity_retried = False
    for attempt in range(1, MAX_ATTEMPTS + 1):
        session.rollback()  # end any read transaction so BEGIN IMMEDIATE is ours
        token = _begin_immediate.set(True)
        session.info[QUEUE_KEY] = {}  # a retried attempt starts with nothing queued
        try:
            for hook in _begin_hooks if audited else ():
                hook()
            result = work()
            if render_answer is not None:
                render_answer(result)
            for hook in _commit_hooks:
                hook()
            session.commit()
            _note_serial_hold(session)
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
            session.info.pop(QUEUE_KEY, None)
            session.info.pop("jifen_serial_start", None)
    raise RuntimeError("unreachable")  # pragma: no cover


def _note_serial_hold(session) -> None:
    started = session.info.get("jifen_serial_start")
    if started is not None:
        serial_hold_times.append((time.perf_counter() - started) * 1000)


def insert_ignore(table: sa.Table, values: dict) -> None:
    """INSERT … ON CONFLICT DO NOTHING on either database."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(table).values(**values).on_conflict_do_nothing())


def dialect_insert(table):
    """The dialect's INSERT, which offers ON CONFLICT (upserts) on both databases."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def insert_rows(table: sa.Table, rows: list[dict]) -> None:
    """One INSERT for all rows, through the statement cache (a multi-VALUES construct is compiled anew each time).

    Many rows go as executemany with RETURNING, which SQLAlchemy sends as multi-row INSERTs
    ("insertmanyvalues", up to 1,000 rows a statement) on both databases.
    """
    if len(rows) == 1:
        db.session.execute(sa.insert(table), rows[0])
    else:
        db.session.execute(sa.insert(table).returning(*table.primary_key.columns), rows)
