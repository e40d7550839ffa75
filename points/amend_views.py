"""A lead's pages to withdraw or correct a pending record, each with a confirm step.

Thin: read the form, call points.hours_amend, render or redirect back to the activity's roster.
Another team's record, or an unknown one, answers 404 (leads see only their teams' records).
"""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from accounts.decorators import role_required
from core.errors import AlreadyDecided, DomainError, Forbidden, NotFound, NotTeamLead, RecordChanged
from points import hours_amend
from points.amend_forms import CorrectForm, WithdrawForm
from points.rules import compute_points, format_hours

bp = Blueprint("hours_amend", __name__)


def _record_or_404(record_id: int):
    try:
        return hours_amend.load_amendable(record_id, current_user)
    except (NotFound, NotTeamLead):
        abort(404)
    except Forbidden:
        abort(403)


def _back(record):
    return redirect(url_for("points.roster", activity_id=record.activity_id))


def _decided(record):
    flash(gettext("%(person)s's record on “%(activity)s” is no longer waiting for approval; it cannot be changed.",
                  person=record.volunteer.name, activity=record.activity.title), "warning")
    return _back(record)


def hours_text(minutes: int) -> str:
    text = format_hours(minutes)
    return text[:-2] if text.endswith(".0") else text


@bp.route("/lead/hours/<int:record_id>/withdraw", methods=["GET", "POST"])
@role_required("team_lead", "admin")
def withdraw(record_id: int):
    """Confirm step, then the withdrawal of a pending record with a reason."""
    record = _record_or_404(record_id)
    if record.status != "pending":
        return _decided(record)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return render_template("points/withdraw.html", record=record, form=form,
                               hours=hours_text(record.minutes)), 422 if form.is_submitted() else 200
    person, activity, hours = record.volunteer.name, record.activity.title, hours_text(record.minutes)
    try:
        hours_amend.withdraw_hours(record.id, form.reason.data, current_user)
    except (AlreadyDecided, RecordChanged) as error:
        flash(str(error.message), "warning")
        return _back(record)
    except DomainError as error:
        form.reason.errors = [*form.reason.errors, *(error.fields or {"": error.message}).values()]
        return render_template("points/withdraw.html", record=record, form=form, hours=hours), error.status
    flash(gettext("Withdrew %(person)s's %(hours)s-hour record on “%(activity)s”.", person=person, hours=hours,
                  activity=activity), "success")
    return _back(record)


@bp.route("/lead/hours/<int:record_id>/correct", methods=["GET", "POST"])
@role_required("team_lead", "admin")
def correct(record_id: int):
    """Enter the right minutes, see the change in hours and points, confirm, then it is saved."""
    record = _record_or_404(record_id)
    if record.status != "pending":
        return _decided(record)
    form = CorrectForm()
    if not form.is_submitted():
        form.minutes.data = record.minutes

    def page(status: int, confirming: bool = False):
        new = form.minutes.data if confirming else None
        return render_template(
            "points/correct.html", record=record, form=form, confirming=confirming, new_minutes=new,
            hours=hours_text(record.minutes), new_hours=hours_text(new) if new else "",
            new_points=compute_points(new, record.points_per_hour, record.multiplier) if new else None), status

    if not form.validate_on_submit():
        return page(422 if form.is_submitted() else 200)
    if form.minutes.data == record.minutes:
        form.minutes.errors = [gettext("That is the number of minutes already recorded.")]
        return page(422)
    if form.confirmed.data != "1":
        try:
            hours_amend.plan_correction(record.id, form.minutes.data, current_user)  # refusals before confirming
        except DomainError as error:
            form.minutes.errors = [*(error.fields or {"minutes": error.message}).values()]
            return page(error.status)
        form.confirmed.data = "1"
        return page(200, confirming=True)
    person, activity = record.volunteer.name, record.activity.title
    try:
        saved = hours_amend.correct_minutes(record.id, form.minutes.data, current_user)
    except (AlreadyDecided, RecordChanged) as error:
        flash(str(error.message), "warning")
        return _back(record)
    except DomainError as error:
        form.confirmed.data = ""
        form.minutes.errors = [*(error.fields or {"minutes": error.message}).values()]
        return page(error.status)
    flash(gettext("Corrected %(person)s's record on “%(activity)s” to %(hours)s hours (%(points)s points).",
                  person=person, activity=activity, hours=hours_text(saved.minutes), points=saved.points), "success")
    return _back(record)
