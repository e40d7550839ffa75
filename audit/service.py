"""record() writes an event in the caller's transaction; verify_chain() re-checks every hash."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import has_request_context, request

from audit.models import GENESIS_HASH, AuditEvent, AuditHead
from core.timeutil import aware, utcnow
from extensions import db


def _default(value):
    if isinstance(value, datetime):
        return aware(value).astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    return str(value)


def canonical_json(value) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the form every hash is computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def _event_payload(event: AuditEvent) -> dict:
    return {
        "id": event.id,
        "at": _default(event.at),
        "actor_id": event.actor_id,
        "address": event.address,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "before": event.before,
        "after": event.after,
    }


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    """sha256(prev_hash + canonical_json(event))."""
    return hashlib.sha256((prev_hash + canonical_json(_event_payload(event))).encode()).hexdigest()


def lock_head() -> None:
    """Take the chain's head row lock first, so writers serialise and cannot deadlock."""
    db.session.execute(
        sa.update(AuditHead).where(AuditHead.id == 1).values(last_id=AuditHead.last_id)
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
) -> AuditEvent:
    """Append one event to the chain inside the current (uncommitted) transaction."""
    if subject is not None:
        subject_type = subject_type or subject.__tablename__
        subject_id = subject_id if subject_id is not None else subject.id
    head = db.session.execute(
        sa.select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()
    event = AuditEvent(
        id=head.last_id + 1,
        at=utcnow(),
        actor_id=getattr(actor, "id", actor),
        address=client_address(),
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        before=canonical_json(before) if before is not None else None,
        after=canonical_json(after) if after is not None else None,
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(head.last_hash, event)
    db.session.add(event)
    head.last_id = event.id
    head.last_hash = event.hash
    db.session.flush()
    return event


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
