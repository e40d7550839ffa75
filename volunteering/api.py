"""JSON API for sign-ups, attendance codes and certificates (API.md "Volunteering"). Parse, call, render."""

from flask import Blueprint, jsonify
from flask_babel import gettext

from core.api import api_user, created, json_body, list_args
from core.errors import Forbidden, NotFound
from core.timeutil import to_iso
from core.validate import Checker
from volunteering import attendance, certificates, codes, services

bp = Blueprint("volunteering_api", __name__, url_prefix="/api/v1")


def render_listing(row: dict) -> dict:
    a = row["activity"]
    return {"id": a.id, "team_id": a.team_id, "title": a.title, "date": a.date.isoformat(), "place": a.place,
            "category": a.category, "open": a.open, "capacity": a.capacity, "signed_up": row["signed_up"],
            "full": row["full"], "me": row["mine"], "starts_at": to_iso(a.starts_at), "ends_at": to_iso(a.ends_at)}


@bp.get("/activities")
def upcoming():
    """Activities from today on that the caller may sign up for (可报名的活动), soonest first, up to limit."""
    user = api_user()
    limit, _cursor = list_args()
    return jsonify({"items": [render_listing(r) for r in services.upcoming_for(user, limit)], "next": None})


@bp.post("/activities/<int:activity_id>/signups")
def sign_up(activity_id: int):
    actor = api_user()
    signup = services.sign_up(activity_id, actor)
    activity = signup.activity
    return created({"id": signup.id, "activity_id": activity.id, "user_id": actor.id,
                    "signed_up_at": to_iso(signup.created_at), "capacity": activity.capacity,
                    "signed_up": services.signed_up_count(activity.id)})


@bp.delete("/activities/<int:activity_id>/signups/me")
def cancel(activity_id: int):
    services.cancel_sign_up(activity_id, api_user())
    return "", 204


@bp.get("/activities/<int:activity_id>/signups")
def signups(activity_id: int):
    """Who signed up and their attendance: leads of the team, admins, auditors."""
    actor = api_user()
    activity = services.activity_or_404(activity_id)
    if not (services.manages(actor, activity) or actor.has_role("auditor")):
        raise Forbidden()
    items = [{"user_id": r["user"].id, "name": r["user"].name,
              "signed_up_at": to_iso(r["signup"].created_at) if r["signup"] else None,
              "checked_in_at": to_iso(r["attendance"].checked_in_at) if r["attendance"] else None,
              "checked_out_at": to_iso(r["attendance"].checked_out_at) if r["attendance"] else None,
              "minutes": r["attendance"].minutes if r["attendance"] else None,
              "hours_id": r["attendance"].hours_id if r["attendance"] else None}
             for r in services.roster(activity.id)]
    return jsonify({"items": items, "next": None, "capacity": activity.capacity,
                    "signed_up": services.signed_up_count(activity.id)})


@bp.get("/activities/<int:activity_id>/attendance-code")
def attendance_code(activity_id: int):
    actor = api_user()
    activity = services.activity_or_404(activity_id)
    if not services.manages(actor, activity):
        raise Forbidden()
    code, expires_at = codes.current_code(activity.id)
    return jsonify({"code": code, "expires_at": to_iso(expires_at), "activity_id": activity.id})


@bp.post("/attendance")
def attend():
    """Check in or out with the lead's code; a lead may name a volunteer (user_id) to do it by hand."""
    actor = api_user()
    c = Checker(json_body())
    activity_id = c.id("activity_id")
    action = c.text("action", max_length=3)
    if action is not None and action not in ("in", "out"):
        c.fail("action", gettext("Must be \"in\" or \"out\"."))
    user_id = c.id("user_id", required=False)
    code = c.data.get("code")
    by_hand = user_id is not None and user_id != actor.id
    if not by_hand and (not isinstance(code, str) or not codes.well_formed(code)):
        c.fail("code", gettext("Type the 6 digits the lead shows."))
    c.done()
    result = attendance.attend(activity_id, action, actor, code=code, user_id=user_id)
    if result.action == "in":
        return created({"activity_id": activity_id, "user_id": user_id or actor.id,
                        "checked_in_at": to_iso(result.at)})
    return created({"activity_id": activity_id, "user_id": user_id or actor.id,
                    "checked_out_at": to_iso(result.at), "minutes": result.minutes, "hours_id": result.hours_id})


@bp.post("/certificates")
def issue_certificate():
    actor = api_user()
    c = Checker(json_body())
    user_id = c.id("user_id")
    start, end = c.day("from"), c.day("to")
    if user_id is not None and user_id != actor.id and not actor.has_role("admin"):
        raise Forbidden()
    c.done()
    certificate = certificates.issue_certificate(user_id, start, end, actor)
    return created(certificates.render(certificate))


@bp.get("/certificates/<number>")
def certificate(number: str):
    """A registered certificate: the person and admins (auditors read); others are told not found."""
    actor = api_user()
    found = certificates.by_number(number)
    if found.user_id != actor.id and not actor.has_role("admin", "auditor"):
        raise NotFound()
    return jsonify(certificates.render(found))
