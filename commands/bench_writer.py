"""Bulk writing for `flask bench-data`: buffered rows, a ledger and an audit chain kept in memory.

Rows wait in per-table buffers and are written together, parents before children, every
FLUSH_ROWS rows: COPY on PostgreSQL, one executemany per table on SQLite; each flush
commits, so memory stays bounded whatever the size. The ledger keeps only each account's
two running sums, the chain only its last hash. Checksums and hashes are computed by the
application's own functions (transfer_checksum, event_hash, canonical_json), so `verify`
recomputes exactly what was written.
"""

import hashlib
import json
import time
from types import SimpleNamespace

import click
import sqlalchemy as sa

from audit.models import GENESIS_HASH
from audit.service import _default, _event_payload, canonical_json, event_hash
from extensions import db
from points.ledger import request_hash, transfer_checksum

FLUSH_ROWS = 60_000
# canonical_json's exact settings in one encoder made once (json.dumps builds a new one per
# call, half the cost of a million hashes); _check_encoder() proves they agree before any row.
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default).encode
# Parents first, so every foreign key points at a row that is already written.
TABLE_ORDER = (
    "communities", "grids", "users", "user_roles", "accounts", "teams", "team_members", "stores",
    "store_keepers", "items", "activities", "transfers", "hour_records", "commendations", "adjustments",
    "redemptions", "redemption_lines", "stock_movements", "audit_events",
)


class BulkWriter:
    """Buffered inserts with explicit ids, flushed in TABLE_ORDER and committed per flush."""

    @property
    def connection(self) -> sa.Connection:
        return db.session.connection()  # the session's, in its current transaction

    def __init__(self):
        self.postgres = self.connection.dialect.name == "postgresql"
        self.tables = db.metadata.tables
        self.buffers: dict[str, list[dict]] = {name: [] for name in TABLE_ORDER}
        self.counts: dict[str, int] = dict.fromkeys(TABLE_ORDER, 0)
        self.pending = 0
        self.written = 0
        self.started = time.perf_counter()
        if not self.postgres:  # big indexes (the audit hashes) are random inserts: keep them in memory
            self.connection.exec_driver_sql("PRAGMA cache_size=-262144")
        self.next_ids = {name: self._max_id(name) + 1 for name in TABLE_ORDER if "id" in self.tables[name].c}

    def _max_id(self, name: str) -> int:
        table = self.tables[name]
        return int(self.connection.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one())

    def new_id(self, name: str) -> int:
        value = self.next_ids[name]
        self.next_ids[name] = value + 1
        return value

    def add(self, name: str, row: dict) -> None:
        self.buffers[name].append(row)
        self.pending += 1
        if self.pending >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        for name in TABLE_ORDER:
            rows = self.buffers[name]
            if rows:
                self._write(self.tables[name], rows)
                self.counts[name] += len(rows)
                self.written += len(rows)
                self.buffers[name] = []
        self.pending = 0
        db.session.commit()
        seconds = time.perf_counter() - self.started
        click.echo(f"  … {self.written:,} rows written in {seconds:.0f} s ({self.written / seconds:,.0f} rows/s)")

    def _write(self, table: sa.Table, rows: list[dict]) -> None:
        keys = list(rows[0])
        extras = _scalar_defaults(table, keys)
        columns = keys + list(extras)
        tail = tuple(extras.values())
        names = ", ".join(f'"{key}"' for key in columns)
        driver = self.connection.connection.driver_connection
        if self.postgres:
            cursor = driver.cursor()
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(tuple(row.values()) + tail)
            cursor.close()
            return
        # SQLite: the column types' own bind processors (datetimes as SQLAlchemy stores them),
        # without the per-row bookkeeping of Core's executemany.
        dialect = self.connection.dialect
        processors = [(index, processor) for index, key in enumerate(keys)
                      if (processor := table.c[key].type._cached_bind_processor(dialect)) is not None]
        tail = tuple(_bind(table.c[key], value, dialect) for key, value in extras.items())

        def converted(row: dict) -> tuple:
            values = list(row.values())
            for index, processor in processors:
                values[index] = processor(values[index])
            return tuple(values) + tail

        marks = ", ".join("?" * len(columns))
        driver.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', map(converted, rows))

    def update_many(self, name: str, key: str, rows: list[dict]) -> None:
        """UPDATE name SET … WHERE key = … for each row (final sums and stock)."""
        table = self.tables[name]
        if self.postgres and rows:
            self._update_from_copy(table, key, rows)
            return
        values = {column: sa.bindparam(f"new_{column}") for column in rows[0] if column != key} if rows else {}
        stmt = table.update().where(table.c[key] == sa.bindparam(f"by_{key}")).values(values)
        for start in range(0, len(rows), FLUSH_ROWS):
            chunk = [{(f"by_{k}" if k == key else f"new_{k}"): v for k, v in row.items()}
                     for row in rows[start:start + FLUSH_ROWS]]
            self.connection.execute(stmt, chunk)
            db.session.commit()

    def _update_from_copy(self, table: sa.Table, key: str, rows: list[dict]) -> None:
        """PostgreSQL: COPY the new values into a temporary table, then one UPDATE … FROM."""
        columns = list(rows[0])
        scratch = f"bench_{table.name}_new"
        driver = self.connection.connection.driver_connection
        cursor = driver.cursor()
        cursor.execute(f'CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS '
                       f'SELECT {", ".join(columns)} FROM "{table.name}" WITH NO DATA')
        with cursor.copy(f"COPY {scratch} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row.values()))
        assignments = ", ".join(f"{column} = {scratch}.{column}" for column in columns if column != key)
        cursor.execute(f'UPDATE "{table.name}" SET {assignments} FROM {scratch} '
                       f'WHERE "{table.name}".{key} = {scratch}.{key}')
        cursor.close()
        db.session.commit()

    def drop_indexes(self) -> list[sa.Index]:
        """Drop the secondary indexes of the tables loaded here: one sorted build at the end beats
        millions of random inserts into them. Primary keys and unique constraints stay."""
        dropped = []
        for name in TABLE_ORDER:
            for index in sorted(self.tables[name].indexes, key=lambda index: index.name):
                self.connection.exec_driver_sql(f'DROP INDEX IF EXISTS "{index.name}"')
                dropped.append(index)
        db.session.commit()
        return dropped

    def create_indexes(self, indexes: list[sa.Index]) -> None:
        for index in indexes:
            click.echo(f"  index {index.name}")
            index.create(self.connection)
            db.session.commit()

    def reset_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the ids written here."""
        if not self.postgres:
            return
        for name in TABLE_ORDER:
            if "id" in self.tables[name].c:
                self.connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), MAX(id)) FROM \"{name}\" "
                    f"WHERE pg_get_serial_sequence('{name}', 'id') IS NOT NULL HAVING MAX(id) IS NOT NULL")
        db.session.commit()


def _bind(column: sa.Column, value, dialect):
    processor = column.type._cached_bind_processor(dialect)
    return processor(value) if processor is not None and value is not None else value


def _scalar_defaults(table: sa.Table, present: list[str]) -> dict:
    """Python-side defaults of the columns a row leaves out (COPY does not apply them)."""
    extras = {}
    for column in table.columns:
        if column.key in present or column.default is None or column.server_default is not None:
            continue
        default = column.default
        if getattr(default, "is_scalar", False):
            extras[column.key] = default.arg
        elif getattr(default, "is_callable", False):
            extras[column.key] = default.arg(None)
    return extras


POSTED_KEYS = {"id", "idempotency_key", "request_hash", "debit_account_id", "credit_account_id", "amount", "kind",
               "reverses_id", "source_type", "source_id", "memo", "actor_id", "debit_balance_after",
               "credit_balance_after", "created_at", "checksum"}
CHAIN_KEYS = {"id", "at", "actor_id", "address", "action", "subject_type", "subject_id", "before", "after",
              "prev_hash", "hash"}


class Ledger:
    """Transfers with correct balances-after and checksums; the accounts' sums stay in memory."""

    def __init__(self, writer: BulkWriter):
        self.writer = writer
        self.posted: dict[int, list[int]] = {}  # account id → [debits, credits]
        # every column, so a checksum that grows a field (another area's change) still finds it
        self.blank = {key: None for key in writer.tables["transfers"].c.keys() if key not in POSTED_KEYS}

    def open(self, account_id: int) -> None:
        self.posted.setdefault(account_id, [0, 0])

    def balance(self, account_id: int) -> int:
        debits, credits = self.posted[account_id]
        return credits - debits

    def post(self, *, key: str, body: dict, debit: int, credit: int, amount: int, kind: str, actor_id,
             memo: str, source_type: str, source_id: int, at, reverses_id=None) -> int:
        self.posted[debit][0] += amount
        self.posted[credit][1] += amount
        row = {
            "id": self.writer.new_id("transfers"), "idempotency_key": key, "request_hash": request_hash(body),
            "debit_account_id": debit, "credit_account_id": credit, "amount": amount, "kind": kind,
            "reverses_id": reverses_id, "source_type": source_type, "source_id": source_id, "memo": memo[:500],
            "actor_id": actor_id, "debit_balance_after": self.balance(debit),
            "credit_balance_after": self.balance(credit), "created_at": at,
        }
        row["checksum"] = transfer_checksum(SimpleNamespace(**self.blank, **row))
        self.writer.add("transfers", row)
        return row["id"]

    def final_sums(self) -> list[dict]:
        return [{"id": account_id, "debits_posted": debits, "credits_posted": credits}
                for account_id, (debits, credits) in self.posted.items() if debits or credits]


def _check_encoder() -> None:
    """Refuse to write a single row if the fast encoder and the application's hash disagree."""
    from datetime import UTC, date, datetime
    from decimal import Decimal

    sample = {"名": "王秀英 \"引号\" \n", "n": None, "d": date(2025, 1, 2), "m": Decimal("1.50"), "l": [1, "a"],
              "t": datetime(2025, 1, 2, 3, 4, 5, 6, UTC)}
    event = SimpleNamespace(id=7, at=datetime(2025, 1, 2, 3, 4, 5), actor_id=None, address="127.0.0.1",
                            action="hours.logged", subject_type="hour_records", subject_id=9,
                            before=None, after=canonical_json(sample))
    fast = hashlib.sha256(("0" * 64 + _canonical(_event_payload(event))).encode()).hexdigest()
    if _canonical(sample) != canonical_json(sample) or fast != event_hash("0" * 64, event):
        raise RuntimeError("bench-data's encoder no longer matches audit.service.canonical_json")


class Chain:
    """Audit events appended with the application's own hash, one per state change."""

    def __init__(self, writer: BulkWriter):
        _check_encoder()
        self.blank = {key: None for key in writer.tables["audit_events"].c.keys() if key not in CHAIN_KEYS}
        self.writer = writer
        self.last_id, self.last_hash = writer.connection.execute(
            sa.text("SELECT last_id, last_hash FROM audit_head WHERE id = 1")).one()
        self.last_hash = self.last_hash or GENESIS_HASH

    def record(self, action: str, *, actor_id, subject_type: str | None, subject_id: int | None, at,
               before: dict | None = None, after: dict | None = None) -> None:
        row = {
            "id": self.last_id + 1, "at": at, "actor_id": actor_id, "address": None, "action": action,
            "subject_type": subject_type, "subject_id": subject_id,
            "before": _canonical(before) if before is not None else None,
            "after": _canonical(after) if after is not None else None,
            "prev_hash": self.last_hash,
        }
        payload = _canonical(_event_payload(SimpleNamespace(**self.blank, **row)))
        row["hash"] = hashlib.sha256((self.last_hash + payload).encode()).hexdigest()
        self.writer.add("audit_events", row)
        self.last_id, self.last_hash = row["id"], row["hash"]

    def save_head(self) -> None:
        self.writer.connection.execute(
            sa.text("UPDATE audit_head SET last_id = :id, last_hash = :hash WHERE id = 1"),
            {"id": self.last_id, "hash": self.last_hash})
        db.session.commit()
