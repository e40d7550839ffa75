"""Pages: the resident's points, the team lead's activities and rosters, the admin's approvals.

Thin: read the form, call points.activities / points.hours, render or redirect.
"""

import uuid
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from wtforms import SelectChoice

from accounts.decorators import role_required
from core.errors import DomainError
from core.timeutil import SHANGHAI
from core.validate import parse_id, parse_ids, parse_int, parse_page
from extensions import db
from points import activities, approval_filters, approval_messages, hours, stars, stats
from points.approval_messages import bulk_messages
from points.entries import account_of, entries_page
from points.forms import (
    ActivityForm,
    BulkForm,
    CsvForm,
    KeyForm,
    LogOneForm,
    ReasonForm,
    RosterForm,
    log_one_form,
)
from points.me import home_page
from points.models import Activity
from points.roster_csv import RosterProblems
from points.rules import format_hours
from points.setup_services import format_multiplier, list_levels

bp = Blueprint("points", __name__)
QUICK_MINUTES = (30, 60, 120, 240)
BULK_MAX_IDS = 20_000  # a whole queue in one POST: the approval runs in chunks and reports how far it got


@bp.context_processor
def _helpers() -> dict:
    return {"mult": format_multiplier, "hours_of": format_hours}


@bp.app_template_global("person_star")
def person_star(user_id: int) -> int:
    """A person's star level for any page (the member card lives in accounts, which knows no points)."""
    return stars.person_star(user_id)[2]


@bp.app_template_global("star_name")
def star_name(star: int) -> str:
    return stars.star_level_name(star)


def _key() -> str:
    return uuid.uuid4().hex


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in"))
    mine = home_page(current_user.id)
    return render_template("points/home.html", service_hours=format_hours(mine["minutes"]), **mine)


@bp.get("/history")
@login_required
def history():
    account = account_of(current_user.id)
    if account.id is None:  # no entry yet: nothing to page through
        pagination, entries = entries_page(current_user.id, 1)
    else:
        pagination, entries = entries_page(current_user.id, parse_page(request.args.get("page")),
                                           account_id=account.id)
    return render_template("points/history.html", page=pagination, entries=entries,
                           balance=int(account.balance or 0), unread=int(account.unread or 0))


# Team leads ----------------------------------------------------------------------------

def _activity_form(teams) -> ActivityForm:
    form = ActivityForm()
    form.team_id.choices = [SelectChoice(t.id, t.name) for t in teams]
    form.difficulty.choices = [SelectChoice(lvl.code, f"{lvl.name} ×{format_multiplier(lvl.multiplier)}")
                               for lvl in list_levels(active_only=True)]
    return form


def _render_lead(form: ActivityForm, status: int = 200):
    teams = activities.visible_teams(current_user)
    team_ids = [t.id for t in teams]
    return render_template(
        "points/lead.html", teams=teams, form=form,
        recent=activities.recent_activities(team_ids, 30),
        pending=activities.pending_records(team_ids, 100)), status


@bp.get("/lead")
@role_required("team_lead", "admin")
def lead_home():
    return _render_lead(_activity_form(activities.visible_teams(current_user)))


@bp.post("/lead/activities")
@role_required("team_lead", "admin")
def create_activity():
    form = _activity_form(activities.visible_teams(current_user))
    if not form.validate_on_submit():
        return _render_lead(form, 422)
    try:
        activity = activities.create_activity(
            form.team_id.data, form.title.data, form.day.data, form.difficulty.data, current_user,
            category=form.category.data or "", place=form.place.data or "", open_=bool(form.open.data),
            capacity=form.capacity.data, starts_at=_on_day(form.day.data, form.start_time.data),
            ends_at=_on_day(form.day.data, form.end_time.data))
    except DomainError as error:
        _form_errors(form, error, {"date": "day", "starts_at": "start_time", "ends_at": "end_time"})
        return _render_lead(form, error.status if error.status in (403, 409) else 422)
    flash(gettext("Activity created. Now log the hours."), "success")
    return redirect(url_for("points.roster", activity_id=activity.id))


def _on_day(day, clock):
    """A wall-clock time on the activity's day, in Asia/Shanghai."""
    return datetime.combine(day, clock, SHANGHAI) if day is not None and clock is not None else None


def _form_errors(form, error: DomainError, rename: dict | None = None) -> None:
    """Put a service's field messages on the form's fields; anything else becomes a flash."""
    placed = False
    for name, message in (error.fields or {}).items():
        field = getattr(form, (rename or {}).get(name, name), None)
        if field is not None:
            field.errors = [*field.errors, str(message)]
            placed = True
    if not placed:
        flash(str(error.message), "danger")


def _activity_or_404(activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id) if activity_id <= hours.MAX_DB_ID else None
    if activity is None:
        abort(404)
    try:
        activities.authorise_team(current_user, activity.team_id)
    except DomainError:
        abort(404)
    return activity


def _render_roster(activity: Activity, status: int = 200, *, one: LogOneForm | None = None,
                   row_errors: dict | None = None, csv_problems=None, typed: dict | None = None):
    members = [m for m in activities.team_members(activity.team_id) if m.id != current_user.id]
    if one is None:
        one = log_one_form(current_user.has_role("admin"))
    one.volunteer_id.choices = [SelectChoice(m.id, f"{m.name} ({m.username})") for m in members]
    return render_template(
        "points/roster.html", activity=activity, members=members, records=activities.activity_records(activity.id),
        roster_form=RosterForm(), one=one, csv_form=CsvForm(), quick=QUICK_MINUTES,
        row_errors=row_errors or {}, csv_problems=csv_problems or [], typed=typed or {}), status


@bp.get("/lead/activities/<int:activity_id>")
@role_required("team_lead", "admin")
def roster(activity_id: int):
    return _render_roster(_activity_or_404(activity_id))


@bp.post("/lead/activities/<int:activity_id>/roster")
@role_required("team_lead", "admin")
def log_roster(activity_id: int):
    activity = _activity_or_404(activity_id)
    if not RosterForm().validate_on_submit():
        abort(400)
    entries, typed, errors = [], {}, {}
    for name, raw in request.form.items():
        volunteer_id = parse_id(name[2:]) if name.startswith("m-") else None
        if volunteer_id is None:
            continue
        value = raw.strip()
        typed[volunteer_id] = value
        if value in ("", "0"):
            continue
        minutes = parse_int(value, max_value=99999)
        if minutes is None:
            errors[str(volunteer_id)] = gettext("Minutes must be a whole number from 1 to 1440.")
        else:
            entries.append((volunteer_id, minutes))
    if errors:
        return _render_roster(activity, 422, row_errors=errors, typed=typed)
    try:
        made = hours.log_roster(activity.id, entries, current_user)
    except DomainError as error:
        if isinstance(error, RosterProblems):
            return _render_roster(activity, 422, row_errors=error.fields, typed=typed)
        flash(hours.reason_of(error), "danger")
        return _render_roster(activity, error.status, typed=typed)
    flash(gettext("%(num)s records logged; they wait for approval.", num=len(made)), "success")
    return redirect(url_for("points.roster", activity_id=activity.id))


@bp.post("/lead/activities/<int:activity_id>/log")
@role_required("team_lead", "admin")
def log_one(activity_id: int):
    activity = _activity_or_404(activity_id)
    form = log_one_form(current_user.has_role("admin"))
    form.volunteer_id.choices = [SelectChoice(m.id, m.name) for m in activities.team_members(activity.team_id)]
    if not form.validate_on_submit():
        return _render_roster(activity, 422, one=form)
    try:
        hours.log_hours(activity.id, form.volunteer_id.data, form.minutes.data, current_user,
                        note=form.note.data or "", honour=bool(getattr(form, "honour", None) and form.honour.data))
    except DomainError as error:
        if error.fields:
            _form_errors(form, error)
        else:
            flash(str(error.message), "danger")
        return _render_roster(activity, error.status, one=form)
    flash(gettext("Hours logged; they wait for approval."), "success")
    return redirect(url_for("points.roster", activity_id=activity.id))


@bp.post("/lead/activities/<int:activity_id>/csv")
@role_required("team_lead", "admin")
def import_csv(activity_id: int):
    activity = _activity_or_404(activity_id)
    form = CsvForm()
    if not form.validate_on_submit():
        flash(gettext("Choose a CSV file to upload."), "danger")
        return _render_roster(activity, 422)
    try:
        made = hours.import_roster_csv(activity.id, form.file.data.read(), current_user)
    except RosterProblems as problems:
        return _render_roster(activity, 422, csv_problems=problems.rows)
    except DomainError as error:
        flash(hours.reason_of(error), "danger")
        return _render_roster(activity, error.status)
    flash(gettext("%(num)s records imported; they wait for approval.", num=len(made)), "success")
    return redirect(url_for("points.roster", activity_id=activity.id))


# Admin approvals -----------------------------------------------------------------------

def _render_approvals(status: int = 200):
    """The queue, the approved list and the rejected/reversed list, narrowed by the URL's filters."""
    filters, errors = approval_filters.parse_filters(request.args)
    page = parse_page(request.args.get("page"))
    decided_page = parse_page(request.args.get("decided_page"))
    if filters.narrowed:
        approved = approval_filters.decided_page(filters, "approved", page)
    else:
        approved = activities.approved_records_page(page, total=stats.approved_count())
    return render_template(
        "points/approvals.html", pending=approval_filters.pending_queue(filters, 200), approved=approved,
        decided=approval_filters.decided_page(filters, filters.decided, decided_page), filters=filters,
        filter_errors=errors, picks=approval_filters.choices(), bulk=BulkForm(),
        key_form=KeyForm(idempotency_key=_key()), reason_form=ReasonForm(idempotency_key=_key()),
        new_key=_key), 422 if errors and status == 200 else status


@bp.get("/approvals")
@role_required("admin")
def approvals():
    return _render_approvals()


def _back_to_approvals():
    """Back to the queue with the filters the admin was using (re-read strictly from the form)."""
    filters, _errors = approval_filters.parse_filters(request.form)
    return redirect(url_for("points.approvals", **filters.args()))


@bp.post("/approvals/approve")
@role_required("admin")
def approve_bulk():
    if not BulkForm().validate_on_submit():
        abort(400)
    ids = parse_ids(request.form.getlist("ids"), max_items=BULK_MAX_IDS)
    if ids is None:
        flash(gettext("Choose records from the list; a record number was not valid."), "danger")
        return _render_approvals(422)
    seen = {i: m for i in ids if (m := parse_int(request.form.get(f"seen-{i}"), max_value=1440)) is not None}
    try:
        outcome = hours.approve_many(ids, current_user, seen=seen)
    except DomainError as error:
        flash(hours.reason_of(error), "danger")
        return _back_to_approvals()
    for category, message in bulk_messages(outcome):
        flash(message, category)
    return _back_to_approvals()


def _decide(form, action, done):
    if not form.validate_on_submit():
        messages = [str(e) for errors in form.errors.values() for e in errors]
        flash(gettext("Not saved: %(why)s", why=" ".join(messages)), "danger")
        return _back_to_approvals()
    key = f"form:{current_user.id}:{form.idempotency_key.data}"
    try:
        action(key)
    except DomainError as error:
        flash(hours.reason_of(error), "danger")
        return _back_to_approvals()
    flash(done(), "success")
    return _back_to_approvals()


@bp.post("/approvals/<int:record_id>/approve")
@role_required("admin")
def approve_one(record_id: int):
    seen = parse_int(request.form.get("seen_minutes"), max_value=1440)  # what the admin was shown
    return _decide(KeyForm(), lambda key: hours.approve_hours(record_id, current_user, key=key, seen_minutes=seen),
                   lambda: approval_messages.approved_message(record_id))


@bp.post("/approvals/<int:record_id>/reject")
@role_required("admin")
def reject(record_id: int):
    form = ReasonForm()
    return _decide(form, lambda _key: hours.reject_hours(record_id, form.reason.data, current_user),
                   lambda: approval_messages.rejected_message(record_id))


@bp.post("/approvals/<int:record_id>/reverse")
@role_required("admin")
def reverse(record_id: int):
    form = ReasonForm()
    return _decide(form, lambda key: hours.reverse_hours(record_id, form.reason.data, current_user, key=key),
                   lambda: approval_messages.reversed_message(record_id))


@bp.get("/lead/teams/<int:team_id>")
@role_required("team_lead", "admin")
def lead_team(team_id: int):
    """The lead's team: members with their approved hours and stars."""
    from points.team_roster import team_members_with_hours, team_or_none

    team = team_or_none(team_id)
    readable = current_user.has_role("admin", "auditor") or (
        team is not None and team.id in {t.id for t in activities.visible_teams(current_user)})
    if team is None or not readable:
        abort(404)
    return render_template("points/team.html", team=team, members=team_members_with_hours(team.id))
