"""Stream a big read as raw DB-API tuples, for the checks that must read millions of rows fast.

SQLAlchemy's Row objects and type processing cost more than the check itself, so `verify`
reads plain tuples straight from the driver: a server-side cursor on PostgreSQL (memory stays
bounded), sqlite3's lazy cursor on SQLite. The statement runs inside the session's current
transaction, so every check of one `verify` sees the same snapshot where the database allows.
"""

import itertools
from collections.abc import Iterator

import sqlalchemy as sa

from extensions import db

DEFAULT_BATCH = 20_000
_cursor_numbers = itertools.count(1)


def stream_tuples(stmt: sa.Select, batch: int = DEFAULT_BATCH) -> Iterator[list[tuple]]:
    """Yield lists of raw tuples of a parameterless SELECT, batch rows at a time."""
    connection = db.session.connection()
    dialect = connection.dialect
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    driver = connection.connection.driver_connection
    if dialect.name == "postgresql":
        cursor = driver.cursor(name=f"jifen_stream_{next(_cursor_numbers)}")
        cursor.itersize = batch
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()


def column_names(stmt: sa.Select) -> list[str]:
    """The result column names of stmt, in order (to turn a raw tuple back into named fields)."""
    return [column.key for column in stmt.selected_columns]
