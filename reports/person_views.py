"""The per-person page: admins see everything, auditors read it with phones masked."""

from flask import Blueprint, abort, render_template
from flask_login import current_user

from accounts.decorators import role_required
from accounts.forms import ROLE_LABELS
from core.privacy import mask_phone
from points.rules import format_hours, format_multiplier
from reports.person import person_summary

bp = Blueprint("people_overview", __name__)
MAX_DB_ID = 2**31 - 1


@bp.get("/people/<int:user_id>")
@role_required("admin", "auditor")
def person(user_id: int):
    """One person: balance, hours, star, roles, latest entries, hour records and redemptions."""
    summary = person_summary(user_id) if user_id <= MAX_DB_ID else None
    if summary is None:
        abort(404)
    whole_phone = current_user.has_role("admin")
    return render_template("reports/person.html", s=summary, role_labels=ROLE_LABELS, hours_of=format_hours,
                           mult=format_multiplier,
                           phone=summary.user.phone if whole_phone else mask_phone(summary.user.phone))
