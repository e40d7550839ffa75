"""/notices/monthly: the monthly public notice printed on A4 for the notice board, and its CSV."""

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from accounts.decorators import role_required
from accounts.models import Community
from core.csvutil import csv_response
from core.errors import ValidationFailed
from core.timeutil import shanghai_today
from extensions import db
from reports.monthly import monthly_notice, parse_args

bp = Blueprint("monthly_notice", __name__, url_prefix="/notices")
PER_SHEET = 40  # rows per printed A4 sheet; each sheet repeats the heading


def street_office() -> str:
    return current_app.config.get("STREET_OFFICE_NAME") or _("Street office")


def _communities() -> list[Community]:
    return list(db.session.execute(sa.select(Community).order_by(Community.name)).scalars())


@bp.get("/monthly")
@role_required("admin", "auditor")
def monthly_page():
    """Pick a community and month; with both, the notice in sheets of PER_SHEET people."""
    community_raw, month_raw = request.args.get("community_id"), request.args.get("month")
    today = shanghai_today()
    chosen = {"community_id": community_raw or "", "month": month_raw or f"{today.year:04d}-{today.month:02d}"}
    if not community_raw and not month_raw:
        return render_template("reports/monthly.html", communities=_communities(), chosen=chosen, notice=None,
                               errors={}, sheets=[], street=street_office(), today=today)
    try:
        community_id, month = parse_args(community_raw, month_raw)
    except ValidationFailed as error:
        return render_template("reports/monthly.html", communities=_communities(), chosen=chosen, notice=None,
                               errors=error.fields, sheets=[], street=street_office(), today=today), 422
    notice = monthly_notice(community_id, month)
    sheets = [notice.rows[i:i + PER_SHEET] for i in range(0, len(notice.rows), PER_SHEET)] or [[]]
    return render_template("reports/monthly.html", communities=_communities(), chosen=chosen, notice=notice,
                           errors={}, sheets=sheets, per_sheet=PER_SHEET, street=street_office(), today=today)


@bp.get("/monthly.csv")
@role_required("admin", "auditor")
def monthly_csv():
    """The same figures as CSV (UTF-8 with BOM, formula-safe); bad arguments answer 422."""
    try:
        community_id, month = parse_args(request.args.get("community_id"), request.args.get("month"))
    except ValidationFailed as error:
        message = "; ".join(f"{k}: {v}" for k, v in error.fields.items())
        return current_app.response_class(message, status=422, mimetype="text/plain")
    notice = monthly_notice(community_id, month)
    header = [_("Name"), _("Service minutes"), _("Service hours"), _("Points earned"), _("Points redeemed")]
    rows = ([r.name, r.service_minutes, f"{r.service_minutes / 60:.1f}", r.points_earned, r.points_redeemed]
            for r in notice.rows)
    return csv_response(f"{notice.community.name}-{notice.month_label}-公示.csv", header, rows)
