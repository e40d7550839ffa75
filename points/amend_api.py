"""JSON API for a lead's withdrawal and correction of a pending hour record (see API.md, People)."""

from flask import Blueprint, jsonify

from core.api import api_user, json_body
from core.timeutil import to_iso
from core.validate import Checker
from points import hours_amend
from points.api import render_record

bp = Blueprint("hours_amend_api", __name__, url_prefix="/api/v1")


def _render(record) -> dict:
    return {**render_record(record), "withdrawn": record.withdrawn_at is not None,
            "withdrawn_at": to_iso(record.withdrawn_at)}


@bp.post("/hours/<int:record_id>/withdraw")
def withdraw_hours(record_id: int):
    """{"reason"} → 200: the pending record is withdrawn (status rejected, withdrawn true)."""
    actor = api_user()
    hours_amend.load_amendable(record_id, actor)  # 403 / 404 before the body is read
    c = Checker(json_body())
    reason = c.text("reason", max_length=500)
    c.done()
    return jsonify(_render(hours_amend.withdraw_hours(record_id, reason, actor)))


@bp.patch("/hours/<int:record_id>")
def correct_hours(record_id: int):
    """{"minutes"} → 200: the pending record's minutes and points, at the rate it was logged with."""
    actor = api_user()
    hours_amend.load_amendable(record_id, actor)
    c = Checker(json_body())
    minutes = c.integer("minutes", min_value=1, max_value=1440)
    c.done()
    return jsonify(_render(hours_amend.correct_minutes(record_id, minutes, actor)))
