"""GET/POST /api/v1/deduction-types and POST /api/v1/deductions (API.md "Points policy")."""

import uuid

import sqlalchemy as sa
from flask import Blueprint, jsonify

from core.api import api_user, created, idempotent, json_body, keyset_page, require_roles, service_key
from core.errors import Forbidden
from core.validate import Checker
from extensions import db
from points import deductions
from points.deduction_models import DeductionType
from points.setup_services import CODE_PATTERN

bp = Blueprint("deduction_api", __name__, url_prefix="/api/v1")


def render_type(t: DeductionType) -> dict:
    return {"id": t.id, "code": t.code, "name": t.name, "points": t.points, "active": t.active}


@bp.get("/deduction-types")
def list_deduction_types():
    api_user()
    return jsonify(keyset_page(sa.select(DeductionType), DeductionType.id, render_type, descending=False))


@bp.post("/deduction-types")
def create_deduction_type():
    actor = require_roles("admin")
    c = Checker(json_body())
    code = c.text("code", max_length=40, pattern=CODE_PATTERN)
    name = c.text("name", max_length=60)
    points = c.integer("points", min_value=1, max_value=deductions.MAX_DEDUCTION_POINTS)
    c.done()
    return created(render_type(deductions.create_type(code, name, points, actor)))


@bp.post("/deductions")
@idempotent
def create_deduction():
    actor = require_roles("admin")
    c = Checker(json_body())
    user_id = c.id("user_id")
    if user_id == actor.id:
        raise Forbidden(deductions.OWN_DEDUCTION)  # 403 before 422 (API.md)
    type_ref = c.text("type", max_length=60)
    reason = c.text("reason", max_length=500)
    c.done()
    key = service_key("deduction", uuid.uuid4().hex)
    record = deductions.deduct(user_id, type_ref, reason, actor, key)
    return created({
        "id": record.id, "user_id": record.user_id, "type": db.session.get(DeductionType, record.type_id).code,
        "points_deducted": record.points, "reason": record.reason, "balance_after": deductions.balance_after(record),
    })
