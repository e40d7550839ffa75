"""JSON API for nominations and the public notice (API.md "Points policy"). Thin: parse, call, render."""

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask_babel import gettext
from sqlalchemy.orm import joinedload

from core.api import api_user, created, json_body, keyset_page, require_roles
from core.errors import NotFound, ValidationFailed
from core.privacy import mask_name
from core.timeutil import shanghai_today, to_iso
from notices import services
from notices.models import STATUSES, Nomination

bp = Blueprint("notices_api", __name__, url_prefix="/api/v1")


def _iso(day) -> str | None:
    return day.isoformat() if day is not None else None


def render_nomination(nomination: Nomination, viewer) -> dict:
    """The whole nomination; objectors are named to admins and auditors only."""
    staff = viewer.has_role("admin", "auditor")
    objections = [{
        "id": o.id, "at": to_iso(o.created_at), "reason": o.reason, "outcome": o.outcome,
        **({"objector_id": o.objector_id} if staff else {}),
    } for o in nomination.objections]
    return {
        "id": nomination.id, "user_id": nomination.user_id, "type": nomination.type.code,
        "type_name": nomination.type.name, "points": nomination.points, "reason": nomination.reason,
        "status": nomination.status, "notice_ends": _iso(nomination.notice_ends),
        "nominated_by_id": nomination.nominated_by_id, "created_at": to_iso(nomination.created_at),
        "reviewed_at": to_iso(nomination.reviewed_at), "review_reason": nomination.review_reason,
        "commendation_id": nomination.commendation_id, "objections": objections,
    }


def render_notice(nomination: Nomination) -> dict:
    """What anyone may read: a masked name, the type, the reason, the last day of the notice."""
    return {"id": nomination.id, "name": mask_name(nomination.nominee.name), "type": nomination.type.code,
            "type_name": nomination.type.name, "points": nomination.points, "reason": nomination.reason,
            "notice_ends": _iso(nomination.notice_ends), "status": nomination.status}


def _path_nomination(nomination_id: int) -> Nomination:
    return services.load(nomination_id)


@bp.post("/nominations")
def create_nomination():
    """Nominate a person for a commendation type → 201 {"id", "status": "nominated"}."""
    actor = require_roles("admin", "team_lead")
    body = json_body()
    new_id = services.nominate(body.get("user_id"), body.get("type"), body.get("reason"), actor)
    return created({"id": new_id, "status": "nominated"})


@bp.get("/nominations")
def list_nominations():
    """Admins and auditors: nominations newest first, optionally ?status=."""
    require_roles("admin", "auditor")
    status = request.args.get("status", "")
    if status and status not in STATUSES:
        raise ValidationFailed({"status": gettext("Must be one of: %(choices)s.", choices=", ".join(STATUSES))})
    stmt = sa.select(Nomination).options(joinedload(Nomination.type))
    if status:
        stmt = stmt.where(Nomination.status == status)
    viewer = api_user()
    return jsonify(keyset_page(stmt, Nomination.id, lambda n: render_nomination(n, viewer)))


@bp.get("/nominations/<int:nomination_id>")
def nomination_detail(nomination_id: int):
    """Admin, auditor or the nominee; everyone else is told "not found"."""
    viewer = api_user()
    nomination = _path_nomination(nomination_id)
    if not services.visible_to(nomination, viewer):
        raise NotFound()
    return jsonify(render_nomination(nomination, viewer))


@bp.post("/nominations/<int:nomination_id>/review")
def review_nomination(nomination_id: int):
    """approve → in_notice with notice_ends; reject → rejected."""
    actor = require_roles("admin")
    _path_nomination(nomination_id)
    body = json_body()
    decision = services.review(nomination_id, body.get("decision"), body.get("reason"), actor)
    answer = {"id": nomination_id, "status": decision.status}
    if decision.notice_ends is not None:
        answer["notice_ends"] = decision.notice_ends.isoformat()
    return jsonify(answer)


@bp.post("/nominations/<int:nomination_id>/objections")
def object_to_nomination(nomination_id: int):
    """Anyone signed in, while the notice runs → 201; the nomination becomes objected."""
    actor = api_user()
    _path_nomination(nomination_id)
    body = json_body()
    objection_id = services.object_to(nomination_id, body.get("reason"), actor)
    return created({"id": objection_id, "nomination_id": nomination_id, "status": "objected"})


@bp.post("/nominations/<int:nomination_id>/resolve")
def resolve_nomination(nomination_id: int):
    """uphold → rejected; dismiss → back in notice with the same end date."""
    actor = require_roles("admin")
    _path_nomination(nomination_id)
    body = json_body()
    decision = services.resolve(nomination_id, body.get("decision"), body.get("reason"), actor)
    return jsonify({"id": nomination_id, "status": decision.status,
                    "notice_ends": decision.notice_ends.isoformat() if decision.notice_ends else None})


def notices_stmt():
    """Nominations in notice now: status in_notice and the last day not yet past (an objected one is withdrawn
    from the notice until an admin resolves the objection)."""
    return (sa.select(Nomination)
            .where(Nomination.status == "in_notice", Nomination.notice_ends >= shanghai_today())
            .options(joinedload(Nomination.type), joinedload(Nomination.nominee)))


@bp.get("/notices")
def public_notices():
    """Anyone, signed in or not: nominations in notice with masked names."""
    page = keyset_page(notices_stmt(), Nomination.id, render_notice)
    return jsonify(page)
