"""GET /api/v1/users/{id}: one person with balance, service minutes and star (admin, auditor)."""

from flask import Blueprint, jsonify

from core.api import require_roles
from core.errors import NotFound
from core.privacy import mask_phone
from reports.person import person_summary

bp = Blueprint("people_overview_api", __name__, url_prefix="/api/v1")
MAX_DB_ID = 2**31 - 1


@bp.get("/users/<int:user_id>")
def user_detail(user_id: int):
    """{"id", "username", "name", "roles", "phone", "community_id", "active", "balance", "service_minutes", "star"}."""
    actor = require_roles("admin", "auditor")
    summary = person_summary(user_id) if user_id <= MAX_DB_ID else None
    if summary is None:
        raise NotFound()
    user = summary.user
    return jsonify({
        "id": user.id, "username": user.username, "name": user.name, "roles": user.roles,
        "phone": user.phone if actor.has_role("admin") else mask_phone(user.phone),
        "community_id": user.community_id, "grid_id": user.grid_id, "active": user.active,
        "balance": summary.balance, "service_minutes": summary.service_minutes, "star": summary.star,
        "party_member": bool(user.party_member), "in_need": bool(user.in_need), "unit_id": user.unit_id,
    })
