"""GET /api/v1/reports/monthly?community_id=&month=YYYY-MM: the month's public notice (admin, auditor)."""

from flask import Blueprint, jsonify, request

from core.api import require_roles
from reports.monthly import monthly_notice, parse_args

bp = Blueprint("monthly_api", __name__, url_prefix="/api/v1")


@bp.get("/reports/monthly")
def monthly_report():
    """{"community_id", "month", "items": [{"name" (masked), "service_minutes", "points_earned", "points_redeemed"}]}."""
    require_roles("admin", "auditor")
    community_id, month = parse_args(request.args.get("community_id"), request.args.get("month"))
    notice = monthly_notice(community_id, month)
    return jsonify({"community_id": community_id, "community": notice.community.name, "month": notice.month_label,
                    "items": [row.as_json() for row in notice.rows], "next": None})
