"""The form every audit hash is computed over, shared by the writer and the fast chain check.

event hash = sha256(prev_hash + canonical_json(payload)), canonical meaning sorted keys,
no spaces, UTF-8 kept.
"""

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal

from core.timeutil import aware


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


def _event_payload(event) -> dict:
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


def event_hash(prev_hash: str, event) -> str:
    """sha256(prev_hash + canonical_json(event))."""
    return hashlib.sha256((prev_hash + canonical_json(_event_payload(event))).encode()).hexdigest()
