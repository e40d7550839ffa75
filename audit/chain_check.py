"""The fast walk behind verify_chain(): raw tuples, one f-string and one sha256 per event.

The hash is audit.service.event_hash: sha256(prev_hash + canonical_json(payload)). Building
the payload dict and running json.dumps costs ~10 µs an event; here the same bytes are
assembled from the raw columns with json's own string encoder, in the payload's sorted key
order. That can never pass a bad event: a fast hash equal to the stored one means the same
bytes were hashed when the event was written. When the fast hash differs, the event is
re-hashed with event_hash itself before it is called broken, so a change to the payload
format only makes this slower, never wrong.

Two faster ways come first, and either can only say "intact" or "look closer": on SQLite a
whole batch is hashed in one comprehension (_sqlite_batch_intact); on PostgreSQL the database
itself re-hashes and links a segment (_PG_SEGMENT, on the server's own core). Whatever they do
not vouch for is walked event by event below, which names the first break.
"""

from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from json.encoder import encode_basestring
from operator import itemgetter
from types import SimpleNamespace

import sqlalchemy as sa

from audit.hashing import _default, _event_payload, event_hash
from audit.models import GENESIS_HASH, AuditEvent
from core.rawstream import column_names, stream_tuples
from extensions import db

# The payload's keys in canonical (sorted) order, as the fast path writes them.
FAST_KEYS = ["action", "actor_id", "address", "after", "at", "before", "id", "subject_id", "subject_type"]


@dataclass
class ChainWalk:
    ok: bool
    checked: int
    last_id: int
    last_hash: str
    broken_id: int | None = None
    reason: str | None = None


def _iso_at(value) -> str:
    """The timestamp exactly as audit.service._default writes it (UTC, isoformat)."""
    if isinstance(value, str):  # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff', in UTC
        if len(value) == 26 and value[10] == " " and value[19] == ".":
            fraction = "" if value[20:] == "000000" else value[19:]
            return f"{value[:10]}T{value[11:19]}{fraction}+00:00"
        value = datetime.fromisoformat(value)
    return _default(value)


def fast_event_hash(prev_hash: str, row: tuple) -> str:
    """event_hash of a raw (id, at, actor_id, address, action, subject_type, subject_id, before, after) row."""
    event_id, at, actor_id, address, action, subject_type, subject_id, before, after = row[:9]
    text = encode_basestring  # None checks inline: this runs millions of times; numbers as stored (7.5 is not 7)
    payload = (
        f'{{"action":{text(action)},"actor_id":{"null" if actor_id is None else actor_id},'
        f'"address":{"null" if address is None else text(address)},'
        f'"after":{"null" if after is None else text(after)},"at":"{_iso_at(at)}",'
        f'"before":{"null" if before is None else text(before)},"id":{event_id},'
        f'"subject_id":{"null" if subject_id is None else subject_id},'
        f'"subject_type":{"null" if subject_type is None else text(subject_type)}}}'
    )
    return sha256((prev_hash + payload).encode()).hexdigest()


def _slow_hash(prev_hash: str, names: list[str], row: tuple) -> str:
    """event_hash itself, on the raw row turned back into typed fields."""
    fields = dict(zip(names, row, strict=True))
    if isinstance(fields["at"], str):
        fields["at"] = datetime.fromisoformat(fields["at"])
    return event_hash(prev_hash, SimpleNamespace(**fields))


def _fast_path_applies() -> bool:
    """The fast bytes follow the payload's keys; if the payload gains a field, go slow."""
    probe = SimpleNamespace(**{column: None for column in AuditEvent.__table__.columns.keys()})
    probe.at = datetime(2000, 1, 1)
    return sorted(_event_payload(probe)) == FAST_KEYS


def _sqlite_batch_intact(rows: list[tuple], prev_hash: str, expected_id: int) -> bool:
    """True when the whole batch is intact: ids follow on, every link is the hash before it, every hash matches.

    One comprehension per batch instead of a function call per event; the same bytes as
    fast_event_hash (SQLite keeps `at` as 'YYYY-MM-DD HH:MM:SS.ffffff' text; a batch with any
    other form is walked event by event, through _iso_at). Numbers go in as they are stored:
    a value that is not the integer it was (5.5, '5x') gives other bytes, so it can only fail here, never pass. Anything
    unexpected (a NULL where the writer never puts one, a value of another type) raises and
    answers False: the caller then walks the batch event by event and names the break."""
    if rows[0][0] != expected_id or rows[-1][0] != expected_id + len(rows) - 1:
        return False  # ids come in ascending primary-key order, so first and last prove there is no gap
    text = encode_basestring
    try:
        stamps = [row[1] for row in rows]
        if (set(map(len, stamps)) != {26} or set(map(itemgetter(10), stamps)) != {" "}
                or set(map(itemgetter(19), stamps)) != {"."}):
            return False  # not all in SQLite's form (or not text at all): event by event
        computed = [
            sha256((
                f'{link}{{"action":{text(action)},"actor_id":{"null" if actor_id is None else actor_id},'
                f'"address":{"null" if address is None else text(address)},'
                f'"after":{"null" if after is None else text(after)},"at":"'
                f'{at[:10]}T{at[11:19]}{at[19:] if at[20:] != "000000" else ""}+00:00'
                f'","before":{"null" if before is None else text(before)},"id":{event_id},'
                f'"subject_id":{"null" if subject_id is None else subject_id},'
                f'"subject_type":{"null" if subject_type is None else text(subject_type)}}}'
            ).encode()).hexdigest()
            for event_id, at, actor_id, address, action, subject_type, subject_id, before, after, link, *_ in rows
        ]
    except Exception:  # noqa: BLE001  (an odd value: the event-by-event walk names it)
        return False
    stored = [row[10] for row in rows]
    return computed == stored and [row[9] for row in rows] == [prev_hash, *stored[:-1]]



def _walk_rows(rows, names, fast, prev_hash, expected_id, checked):
    """Event by event (the exact diagnosis): a ChainWalk at the first break, else (hash, next id, checked)."""
    for row in rows:
        event_id, link, stored = row[0], row[9], row[10]
        if event_id != expected_id:
            return ChainWalk(False, checked, expected_id - 1, prev_hash, expected_id, "event missing")
        if link != prev_hash:
            return ChainWalk(False, checked, expected_id - 1, prev_hash, event_id, "link broken")
        computed = fast_event_hash(prev_hash, row) if fast else stored + "?"
        if computed != stored and _slow_hash(prev_hash, names, row) != stored:
            return ChainWalk(False, checked, expected_id - 1, prev_hash, event_id, "hash mismatch")
        prev_hash, expected_id = stored, event_id + 1
        checked += 1
    return prev_hash, expected_id, checked


def _chain_stmt(after_id: int, until_id: int | None) -> tuple[sa.Select, list[str]]:
    table = AuditEvent.__table__
    first = ("id", "at", "actor_id", "address", "action", "subject_type", "subject_id", "before", "after",
             "prev_hash", "hash")
    others = [column for column in table.columns if column.key not in first]  # for the slow path
    stmt = sa.select(*[table.c[key] for key in first], *others).where(table.c.id > after_id).order_by(table.c.id)
    if until_id is not None:
        stmt = stmt.where(table.c.id <= until_id)
    return stmt, column_names(stmt)


def _q(column: str) -> str:
    """A text column as canonical JSON writes it, in PostgreSQL (to_json escapes as json.dumps does)."""
    return f"COALESCE(to_json({column})::text, 'null')"


def _n(column: str) -> str:
    return f"COALESCE({column}::text, 'null')"


# event_hash's bytes built and hashed by PostgreSQL itself (in its own process, so a second
# core works while this one waits), each link compared with the hash before it (lag), each id
# with the id before it. Only the counts come back; any suspect sends the segment through the
# Python walk, which names the break. (Colons in literals are escaped for sa.text.)
_PG_SEGMENT = sa.text(f"""
SELECT count(*), count(*) FILTER (WHERE bad), max(id) FROM (
  SELECT id,
    hash IS DISTINCT FROM encode(sha256(convert_to(prev_hash || '{{"action"\\:' || {_q("action")}
      || ',"actor_id"\\:' || {_n("actor_id")} || ',"address"\\:' || {_q("address")}
      || ',"after"\\:' || {_q("after")} || ',"at"\\:"'
      || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24\\:MI\\:SS')
      || CASE WHEN extract(microseconds FROM at)::bigint % 1000000 = 0 THEN ''
              ELSE to_char(at AT TIME ZONE 'UTC', '.US') END
      || '+00\\:00","before"\\:' || {_q("before")} || ',"id"\\:' || id
      || ',"subject_id"\\:' || {_n("subject_id")} || ',"subject_type"\\:' || {_q("subject_type")} || '}}',
      'UTF8')), 'hex')
    OR prev_hash IS DISTINCT FROM lag(hash, 1, CAST(:genesis AS varchar)) OVER w
    OR id <> lag(id, 1, CAST(:after_id AS bigint)) OVER w + 1 AS bad
  FROM audit_events WHERE id > :after_id AND id <= :until_id WINDOW w AS (ORDER BY id)
) checked
""")


def _pg_segment(genesis: str, after_id: int, until_id: int | None) -> ChainWalk | None:
    """The segment checked inside PostgreSQL: a ChainWalk when every event is intact, None if any is suspect."""
    until = until_id if until_id is not None else 2**62
    total, bad, last_id = db.session.execute(
        _PG_SEGMENT, {"genesis": genesis, "after_id": after_id, "until_id": until}).one()
    if bad or (until_id is not None and (last_id or after_id) != until_id):
        return None
    if not total:
        return ChainWalk(True, 0, after_id, genesis)
    last_hash = db.session.execute(sa.select(AuditEvent.hash).where(AuditEvent.id == last_id)).scalar_one()
    return ChainWalk(True, int(total), int(last_id), last_hash)


def walk_chain(genesis: str = GENESIS_HASH, batch: int = 20_000, *, after_id: int = 0,
               until_id: int | None = None) -> ChainWalk:
    """Check every event's id sequence, link and hash after after_id (whose hash is genesis), in id order,
    up to until_id (None: to the last event); stop at the first break.

    A segment (after_id > 0) starts from the stored hash of the event before it; whoever joins
    segments must check that the segment before it ends on that same hash (see segment_plan)."""
    fast = _fast_path_applies()
    dialect = db.session.connection().dialect.name
    if fast and dialect == "postgresql" and (walked := _pg_segment(genesis, after_id, until_id)) is not None:
        return walked
    batch_intact = _sqlite_batch_intact if fast and dialect == "sqlite" else None
    stmt, names = _chain_stmt(after_id, until_id)
    prev_hash, expected_id, checked = genesis, after_id + 1, 0
    for rows in stream_tuples(stmt, batch):
        if batch_intact is not None and batch_intact(rows, prev_hash, expected_id):
            prev_hash, expected_id, checked = rows[-1][10], rows[-1][0] + 1, checked + len(rows)
            continue
        walked = _walk_rows(rows, names, fast, prev_hash, expected_id, checked)
        if isinstance(walked, ChainWalk):
            return walked
        prev_hash, expected_id, checked = walked
    if until_id is not None and expected_id <= until_id:
        return ChainWalk(False, checked, expected_id - 1, prev_hash, expected_id, "event missing")
    return ChainWalk(True, checked, expected_id - 1, prev_hash)

