"""Pages: the resident's activities and check-in, the lead's sign-up list and code screen, certificates.

Thin: read the form, call the volunteering services, render or redirect.
"""

import segno
import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from accounts.decorators import role_required
from accounts.models import User
from core.errors import DomainError
from core.privacy import mask_id_number, mask_name
from core.timeutil import shanghai_today, to_iso
from core.validate import parse_id
from extensions import db
from points.models import Activity
from points.rules import format_hours
from volunteering import attendance, certificates, codes, services
from volunteering.forms import AttendForm, CertificateForm, HandForm, PlainForm

bp = Blueprint("volunteering", __name__)


@bp.context_processor
def _helpers() -> dict:
    return {"hours_of": format_hours}


def _qr(text: str) -> str:
    return segno.make(text, error="m", micro=False).svg_data_uri(scale=6, border=2, dark="#000", light="#fff")


# Residents: find, sign up, cancel ------------------------------------------------------

@bp.get("/activities")
@login_required
def activities():
    """可报名的活动: open activities and one's teams' activities, from today on."""
    return render_template("volunteering/activities.html", rows=services.upcoming_for(current_user),
                           form=PlainForm())


def _back():
    return redirect(url_for("volunteering.activities"))


@bp.post("/activities/<int:activity_id>/signup")
@login_required
def sign_up(activity_id: int):
    if not PlainForm().validate_on_submit():
        abort(400)
    try:
        services.sign_up(activity_id, current_user)
    except DomainError as error:
        if error.status == 404:
            abort(404)
        flash(str(error.message) if not error.fields else " ".join(map(str, error.fields.values())), "danger")
        return _back()
    flash(gettext("Signed up. Check in with the lead's code on the day."), "success")
    return _back()


@bp.post("/activities/<int:activity_id>/cancel")
@login_required
def cancel(activity_id: int):
    if not PlainForm().validate_on_submit():
        abort(400)
    try:
        services.cancel_sign_up(activity_id, current_user)
    except DomainError as error:
        if error.status == 404:
            abort(404)
        flash(str(error.message), "danger")
        return _back()
    flash(gettext("Sign-up cancelled; the place is free again."), "success")
    return _back()


# Residents: check in and out -----------------------------------------------------------

def _render_attend(form: AttendForm, activity, status: int = 200):
    today = services.today_for(current_user.id) if activity is None else []
    return render_template("volunteering/attend.html", form=form, activity=activity, today=today), status


@bp.get("/attend")
@login_required
def attend():
    """The check-in page; the lead's QR opens it with the activity and code filled in."""
    activity_id = parse_id(request.args.get("activity"))
    activity = db.session.get(Activity, activity_id) if activity_id else None
    form = AttendForm(formdata=None, activity_id=activity.id if activity else "",
                      code=request.args.get("code", "")[:6] if codes.well_formed(request.args.get("code", "")) else "")
    return _render_attend(form, activity)


@bp.post("/attend")
@login_required
def attend_post():
    form = AttendForm()
    activity_id = parse_id(form.activity_id.data)
    activity = db.session.get(Activity, activity_id) if activity_id else None
    action = request.form.get("action")
    if not form.validate_on_submit() or action not in ("in", "out") or activity is None:
        if activity is None:
            flash(gettext("No such activity: scan the lead's QR code again."), "danger")
        return _render_attend(form, activity, 422)
    try:
        result = attendance.attend(activity.id, action, current_user, code=form.code.data)
    except DomainError as error:
        form.code.errors = [*form.code.errors, str(error.message) if not error.fields
                            else " ".join(map(str, error.fields.values()))]
        return _render_attend(form, activity, error.status if error.status in (409, 422) else 422)
    if result.action == "in":
        flash(gettext("Checked in. Check out with the lead's code when you leave."), "success")
    else:
        flash(gettext("Checked out: %(minutes)s minutes proposed for approval.", minutes=result.minutes), "success")
    return redirect(url_for("volunteering.activities"))


# Leads: who signed up, the code screen, check-in by hand -------------------------------

def _managed_or_404(activity_id: int):
    try:
        activity = services.activity_or_404(activity_id)
    except DomainError:
        abort(404)
    if not services.manages(current_user, activity) and not current_user.has_role("auditor"):
        abort(404)
    return activity


@bp.get("/lead/activities/<int:activity_id>/signups")
@role_required("team_lead", "admin")
def lead_signups(activity_id: int):
    """Who signed up, who is in and out; check in or out by hand."""
    activity = _managed_or_404(activity_id)
    return render_template("volunteering/lead_signups.html", activity=activity, rows=services.roster(activity.id),
                           signed_up=services.signed_up_count(activity.id), form=HandForm())


@bp.post("/lead/activities/<int:activity_id>/attendance")
@role_required("team_lead", "admin")
def lead_attendance(activity_id: int):
    activity = _managed_or_404(activity_id)
    form = HandForm()
    user_id = parse_id(form.user_id.data)
    action = request.form.get("action")
    if not form.validate_on_submit() or user_id is None or action not in ("in", "out"):
        flash(gettext("Choose a person and check in or out."), "danger")
        return redirect(url_for("volunteering.lead_signups", activity_id=activity.id))
    try:
        result = attendance.attend(activity.id, action, current_user, user_id=user_id)
    except DomainError as error:
        flash(str(error.message) if not error.fields else " ".join(map(str, error.fields.values())), "danger")
        return redirect(url_for("volunteering.lead_signups", activity_id=activity.id))
    flash(gettext("Checked in.") if result.action == "in"
          else gettext("Checked out: %(minutes)s minutes proposed for approval.", minutes=result.minutes), "success")
    return redirect(url_for("volunteering.lead_signups", activity_id=activity.id))


def _code_payload(activity) -> dict:
    code, expires_at = codes.current_code(activity.id)
    url = url_for("volunteering.attend", activity=activity.id, code=code, _external=True)
    return {"code": code, "expires_at": to_iso(expires_at), "url": url, "qr": _qr(url)}


@bp.get("/lead/activities/<int:activity_id>/code")
@role_required("team_lead", "admin", readers=())
def code_screen(activity_id: int):
    """Full screen on the lead's phone: the code and its QR, refreshed as they change."""
    activity = _managed_or_404(activity_id)
    return render_template("volunteering/code.html", activity=activity, now=_code_payload(activity),
                           today=shanghai_today())


@bp.get("/lead/activities/<int:activity_id>/code.json")
@role_required("team_lead", "admin", readers=())
def code_json(activity_id: int):
    activity = _managed_or_404(activity_id)
    response = jsonify(_code_payload(activity))
    response.headers["Cache-Control"] = "no-store"
    return response


# Certificates --------------------------------------------------------------------------

def _render_certificates(form: CertificateForm, status: int = 200):
    return render_template("volunteering/certificates.html", form=form,
                           mine=certificates.certificates_of(current_user.id)), status


@bp.get("/certificates")
@login_required
def my_certificates():
    """Request a certificate for a period; the ones already issued."""
    return _render_certificates(CertificateForm())


@bp.post("/certificates")
@login_required
def request_certificate():
    form = CertificateForm()
    if not form.validate_on_submit():
        return _render_certificates(form, 422)
    person_id = current_user.id
    if form.username.data and form.username.data.strip() != current_user.username:
        if not current_user.has_role("admin"):
            form.username.errors = [gettext("Only an admin issues certificates for someone else.")]
            return _render_certificates(form, 403)
        person_id = db.session.execute(sa.select(User.id).where(User.username == form.username.data.strip())).scalar()
        if person_id is None:
            form.username.errors = [gettext("No such person.")]
            return _render_certificates(form, 422)
    try:
        issued = certificates.issue_certificate(person_id, form.start.data, form.end.data, current_user)
    except DomainError as error:
        for name, message in (error.fields or {}).items():
            field = {"from": form.start, "to": form.end}.get(name, form.username)
            field.errors = [*field.errors, str(message)]
        if not error.fields:
            flash(str(error.message), "danger")
        return _render_certificates(form, error.status)
    return redirect(url_for("volunteering.certificate", number=issued.number))


@bp.get("/certificates/<number>")
def certificate(number: str):
    """The public, printable certificate; the name masked for anyone but the person and admins."""
    try:
        found = certificates.by_number(number)
    except DomainError:
        abort(404)
    viewer = current_user if current_user.is_authenticated else None
    is_admin = viewer is not None and viewer.has_role("admin")
    own = viewer is not None and viewer.id == found.user_id
    url = url_for("volunteering.certificate", number=found.number, _external=True)
    return render_template(
        "volunteering/certificate.html", c=found, activities=certificates.activities_of(found), url=url, qr=_qr(url),
        name=found.name if (own or is_admin) else mask_name(found.name),
        id_number=(found.id_number if is_admin else mask_id_number(found.id_number)) if found.id_number else "")
