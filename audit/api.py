"""JSON API for the audit trail: the filtered events and a check of the hash chain."""

import json

import sqlalchemy as sa
from flask import Blueprint, jsonify, request

from audit.filters import api_filters, conditions
from audit.models import AuditEvent
from audit.service import verify_chain
from core.api import keyset_page, list_args, require_roles
from core.errors import ValidationFailed
from core.privacy import mask_private
from core.timeutil import to_iso

bp = Blueprint("audit_api", __name__, url_prefix="/api/v1")

READERS = ("admin", "auditor")


def _json_or_none(text: str | None):
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:  # an edit behind our back; show it rather than fail
        return text


def render_event(event: AuditEvent, *, whole: bool = True) -> dict:
    """One event as the API shows it; before/after are JSON objects, phones masked unless whole."""
    shown = (lambda value: value) if whole else mask_private
    return {
        "id": event.id,
        "at": to_iso(event.at),
        "actor_id": event.actor_id,
        "address": event.address,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "before": shown(_json_or_none(event.before)),
        "after": shown(_json_or_none(event.after)),
        "hash": event.hash,
        "prev_hash": event.prev_hash,
    }


@bp.get("/audit")
def list_events():
    """Events newest first, filtered by actor_id, action (exact or prefix ending '.') and since."""
    reader = require_roles(*READERS)
    fields: dict = {}
    try:
        filters = api_filters(request.args)
    except ValidationFailed as error:
        fields.update(error.fields)
    try:
        list_args()
    except ValidationFailed as error:
        fields.update(error.fields)
    if fields:
        raise ValidationFailed(fields)
    stmt = sa.select(AuditEvent).where(*conditions(filters))
    whole = reader.has_role("admin")  # phones are shown whole to admins only
    return jsonify(keyset_page(stmt, AuditEvent.id, lambda event: render_event(event, whole=whole)))


@bp.get("/audit/verify")
def verify():
    """{"ok", "checked"}, plus "broken": {"id", "reason"} when the chain does not verify."""
    require_roles(*READERS)
    report = verify_chain()
    body = {"ok": report.ok, "checked": report.checked}
    if not report.ok:
        body["broken"] = {"id": report.broken_id, "reason": report.reason}
    return jsonify(body)
