"""JSON API for activities, hours and accounts (see API.md). Thin: parse, call the service, render."""

import re
from datetime import datetime

from flask import Blueprint, jsonify
from flask_babel import gettext

from accounts import proxies
from accounts.models import User
from core.api import (
    answer_in_write,
    api_user,
    created,
    idempotent,
    json_body,
    keyset_page,
    list_args,
    require_roles,
    service_key,
)
from core.errors import Forbidden, NotFound, SelfLoggingForbidden
from core.timeutil import to_iso
from core.validate import Checker
from extensions import db
from points import activities, hours, ledger, lots, stars
from points.entries import account_id_of, entries_stmt, render_entry
from points.ledger_models import Transfer
from points.me import signed_in_summary
from points.models import Activity, HourRecord, Team
from points.setup_services import format_multiplier

bp = Blueprint("points_api", __name__, url_prefix="/api/v1")
MAX_DB_ID = 2**31 - 1


@bp.get("/me")
def me():
    """The signed-in person with their balance and card code (two Core statements: points/me.py)."""
    return jsonify(signed_in_summary())


def render_activity(activity: Activity) -> dict:
    return {
        "id": activity.id, "team_id": activity.team_id, "title": activity.title,
        "date": activity.date.isoformat(), "place": activity.place, "category": activity.category,
        "difficulty": activity.difficulty.code, "multiplier": format_multiplier(activity.difficulty.multiplier),
        "open": activity.open, "capacity": activity.capacity,
        "starts_at": to_iso(activity.starts_at), "ends_at": to_iso(activity.ends_at),
    }


_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})")


def _moment(c: Checker, name: str) -> datetime | None:
    """An ISO 8601 time with its offset (2026-05-01T09:00:00+08:00), or a field message."""
    value = c.data.get(name)
    if value is None:
        return None
    if isinstance(value, str) and _MOMENT.fullmatch(value):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    c.fail(name, gettext("Must be a time with its offset, like 2026-05-01T09:00:00+08:00."))
    return None


def render_record(record: HourRecord) -> dict:
    return {
        "id": record.id, "activity_id": record.activity_id, "volunteer_id": record.volunteer_id,
        "minutes": record.minutes, "service_date": record.service_date.isoformat(),
        "points": record.points, "points_per_hour": record.points_per_hour,
        "multiplier": format_multiplier(record.multiplier), "rule_version": record.rule_version,
        "status": record.status, "reason": record.reason, "logged_at": to_iso(record.logged_at),
        "decided_at": to_iso(record.decided_at), "honour": bool(record.honour),
    }


def _record_or_404(record_id: int) -> HourRecord:
    record = db.session.get(HourRecord, record_id) if record_id <= MAX_DB_ID else None
    if record is None:
        raise NotFound()
    return record


@bp.post("/activities")
def create_activity():
    actor = api_user()
    activities.authorise_any_lead(actor)                    # 403 forbidden
    c = Checker(json_body())
    team_id = c.id("team_id")
    title = c.text("title", max_length=200)
    day = c.day("date")
    difficulty = c.text("difficulty", max_length=40)
    category = c.text("category", required=False, min_length=0, max_length=40) or ""
    place = c.text("place", required=False, min_length=0, max_length=200) or ""
    open_ = c.boolean("open")
    capacity = c.integer("capacity", required=False, min_value=1, max_value=activities.MAX_CAPACITY)
    starts_at, ends_at = _moment(c, "starts_at"), _moment(c, "ends_at")
    if team_id is not None and team_id <= MAX_DB_ID:
        if db.session.get(Team, team_id) is not None:
            activities.authorise_team(actor, team_id)     # 403 not_team_lead before 422
    c.done()
    activity = activities.create_activity(team_id, title, day, difficulty, actor, category=category, place=place,
                                          open_=open_, capacity=capacity, starts_at=starts_at, ends_at=ends_at)
    return created(render_activity(activity))


@bp.post("/hours")
def log_hours():
    actor = api_user()
    activities.authorise_any_lead(actor)
    c = Checker(json_body())
    activity_id = c.id("activity_id")
    volunteer_id = c.id("volunteer_id")
    minutes = c.integer("minutes", min_value=1, max_value=1440)
    note = c.text("note", required=False, min_length=0, max_length=200) or ""
    honour = c.boolean("honour")  # 补录: admins only (a lead is refused with 403, before any 422)
    if honour and not actor.has_role("admin"):
        raise Forbidden(gettext("Only an admin may record honour hours (补录)."))
    if activity_id is not None and activity_id <= MAX_DB_ID:
        activity = db.session.get(Activity, activity_id)
        if activity is not None:
            activities.authorise_team(actor, activity.team_id)
    if volunteer_id == actor.id:
        raise SelfLoggingForbidden()
    for name, value in (("activity_id", activity_id), ("volunteer_id", volunteer_id)):
        if value is not None and value > MAX_DB_ID:
            c.fail(name, gettext("Not found."))
    c.done()
    record = hours.log_hours(activity_id, volunteer_id, minutes, actor, note=note, honour=honour)
    return created(render_record(record))


@bp.post("/hours/<int:record_id>/approve")
@idempotent
def approve_hours(record_id: int):
    actor = require_roles("admin")
    _record_or_404(record_id)
    key = service_key("hours", str(record_id))
    answer_in_write(render_record, 200)  # with an Idempotency-Key: remembered in the approval's transaction
    record = hours.approve_hours(record_id, actor, key=key)
    return jsonify(render_record(record))


@bp.post("/hours/<int:record_id>/reject")
def reject_hours(record_id: int):
    actor = require_roles("admin")
    _record_or_404(record_id)
    c = Checker(json_body())
    reason = c.text("reason", max_length=500)
    c.done()
    return jsonify(render_record(hours.reject_hours(record_id, reason, actor)))


@bp.post("/hours/<int:record_id>/reverse")
@idempotent
def reverse_hours(record_id: int):
    actor = require_roles("admin")
    _record_or_404(record_id)
    c = Checker(json_body())
    reason = c.text("reason", max_length=500)
    c.done()
    key = service_key("hours-reversal", str(record_id))
    return jsonify(render_record(hours.reverse_hours(record_id, reason, actor, key=key)))


def _visible_person(user_id: int) -> User:
    """Self, admin, auditor or the person's proxy (代办人); anyone else (or nobody) is told not found."""
    actor = api_user()
    user = db.session.get(User, user_id) if user_id <= MAX_DB_ID else None
    if user is None or (actor.id != user_id and not actor.has_role("admin", "auditor")
                        and not proxies.acts_for(actor.id, user_id)):
        raise NotFound()
    return user


@bp.get("/accounts/<int:user_id>")
def account(user_id: int):
    user = _visible_person(user_id)
    minutes, earned, star = stars.person_star(user.id)  # kept rows, never a scan or the balance
    return jsonify({"user_id": user.id, "balance": ledger.user_balance(user.id),
                    "service_minutes": minutes, "points_earned": earned, "star": star,
                    "next_expiry": lots.next_expiry(user.id)})


@bp.get("/accounts/<int:user_id>/entries")
def account_entries(user_id: int):
    user = _visible_person(user_id)
    account_id = account_id_of(user.id)
    if account_id is None:
        list_args()  # still reject a bad limit or cursor
        return jsonify({"items": [], "next": None})
    return jsonify(keyset_page(entries_stmt(account_id), Transfer.id, lambda t: render_entry(t, account_id)))

