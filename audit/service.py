"""record() adds an event to the caller's transaction (appended last); verify_chain() re-checks every hash."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context, request

from audit.hashing import _default, _event_payload, canonical_json, event_hash  # noqa: F401  (the chain's form)
from audit.models import GENESIS_HASH, AuditEvent, AuditHead
from core.db import insert_rows, mark_serial_start, register_commit_hook, write_queue
from core.timeutil import utcnow
from extensions import db


@dataclass
class QueuedEvent:
    """An event computed in Python, chained and inserted right before its transaction commits.

    id, prev_hash and hash are filled in when it is appended (they depend on the head).
    """

    at: datetime
    actor_id: int | None
    address: str | None
    action: str
    subject_type: str | None
    subject_id: int | None
    before: str | None
    after: str | None
    id: int | None = None
    prev_hash: str | None = None
    hash: str | None = None

    def row(self) -> dict:
        return {"id": self.id, "at": self.at, "actor_id": self.actor_id, "address": self.address,
                "action": self.action, "subject_type": self.subject_type, "subject_id": self.subject_id,
                "before": self.before, "after": self.after, "prev_hash": self.prev_hash, "hash": self.hash}


def lock_head() -> None:
    """Take the chain's head row lock now (appending takes it anyway, last).

    Only for code that still leans on the old "every write is serial" lock; new guards
    belong in the database (a conditional update, a unique key).
    """
    db.session.execute(
        sa.update(AuditHead).where(AuditHead.id == 1).values(last_id=AuditHead.last_id)
        .execution_options(synchronize_session=False)
    )


def client_address() -> str | None:
    """The caller's address (ProxyFix has already applied X-Forwarded-For when configured)."""
    return request.remote_addr if has_request_context() else None


def record(
    action: str,
    *,
    actor=None,
    subject=None,
    subject_type: str | None = None,
    subject_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> QueuedEvent:
    """Add one event to the chain as part of the current (uncommitted) transaction.

    Inside core.db.run_write the event is only queued: the head is locked and the chain
    extended right before COMMIT, so writers serialise for that short moment only.
    """
    if subject is not None:
        subject_type = subject_type or subject.__tablename__
        subject_id = subject_id if subject_id is not None else subject.id
    event = QueuedEvent(
        at=utcnow(), actor_id=getattr(actor, "id", actor), address=client_address(), action=action,
        subject_type=subject_type, subject_id=subject_id,
        before=canonical_json(before) if before is not None else None,
        after=canonical_json(after) if after is not None else None,
    )
    queue = write_queue()
    if queue is None:  # outside run_write (a script, a test): append at once
        append_events([event])
    else:
        queue.setdefault("audit", []).append(event)
    return event


def append_queued_events() -> None:
    """run_write's commit hook: chain and insert what this attempt queued, the head taken last."""
    queue = write_queue()
    events = queue.get("audit") if queue else None
    if events:
        append_events(events)


def append_events(events: list[QueuedEvent]) -> None:
    """Lock the head while moving it on by len(events), chain them, one multi-row insert, store the new hash.

    PostgreSQL: the UPDATE takes the head's row lock until COMMIT (writers queue here, and only
    here); SQLite: BEGIN IMMEDIATE already serialises the whole write.
    """
    mark_serial_start()
    last_id, prev_hash = db.session.execute(
        sa.update(AuditHead).where(AuditHead.id == 1)
        .values(last_id=AuditHead.last_id + len(events))
        .returning(AuditHead.last_id, AuditHead.last_hash)
        .execution_options(synchronize_session=False)
    ).one()
    next_id = last_id - len(events) + 1
    for event in events:
        event.id, event.prev_hash = next_id, prev_hash
        event.hash = prev_hash = event_hash(prev_hash, event)
        next_id += 1
    connection = db.session.connection()
    if len(events) == 1 and connection.dialect.name == "postgresql":
        # One statement: the event inserted in a CTE of the head's hash update (the serial section is
        # then the head's UPDATE … RETURNING, this, COMMIT).
        connection.execute(_append_one_pg(), {**{f"e_{k}": v for k, v in events[0].row().items()},
                                              "new_hash": prev_hash})
        return
    insert_rows(AuditEvent.__table__, [event.row() for event in events])
    db.session.execute(
        sa.update(AuditHead).where(AuditHead.id == 1).values(last_hash=prev_hash)
        .execution_options(synchronize_session=False)
    )


_APPEND_ONE: list = []


def _append_one_pg():
    """Built once: INSERT the event (a CTE) and store its hash as the head's, in one PostgreSQL statement."""
    if not _APPEND_ONE:
        events, head = AuditEvent.__table__, AuditHead.__table__
        appended = sa.insert(events).values({c.name: sa.bindparam(f"e_{c.name}", type_=c.type)
                                              for c in events.columns}).cte("appended")
        _APPEND_ONE.append(sa.update(head).where(head.c.id == 1).values(last_hash=sa.bindparam("new_hash"))
                           .add_cte(appended))
    return _APPEND_ONE[0]


register_commit_hook(append_queued_events)


@dataclass
class ChainReport:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str | None = None


def verify_chain(batch: int = 20_000) -> ChainReport:
    """Walk every event in id order, re-computing each hash and link (raw rows: audit/chain_check.py)."""
    from audit.chain_check import walk_chain

    walk = walk_chain(GENESIS_HASH, batch)
    if not walk.ok:
        return ChainReport(False, walk.checked, walk.broken_id, walk.reason)
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.last_id != walk.last_id or head.last_hash != walk.last_hash):
        return ChainReport(False, walk.checked, walk.last_id + 1, "events deleted at the end")
    return ChainReport(True, walk.checked)
