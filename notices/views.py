"""Pages: the public notice (/notices) with objections, and the admins' nominations (/nominations)."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from accounts.decorators import role_required
from accounts.models import User
from core.errors import DomainError
from core.validate import parse_id
from extensions import db
from notices import services
from notices.api import notices_stmt
from notices.forms import NominateForm, ObjectionForm, ResolveForm, ReviewForm
from notices.models import STATUSES, Nomination
from points import setup_services
from points.setup_forms import resolve_person
from policy.current import current_policy

bp = Blueprint("notices", __name__)
PAGE_ROWS = 200


def status_labels() -> dict[str, str]:
    """Each status in the reader's language."""
    return {"nominated": _("Awaiting review"), "in_notice": _("In public notice"), "objected": _("Objected"),
            "rejected": _("Rejected"), "granted": _("Granted")}


@bp.context_processor
def _template_helpers() -> dict:
    return {"status_labels": status_labels, "notice_days": lambda: current_policy().notice_days}


def _nomination_or_404(nomination_id: int) -> Nomination:
    try:
        return services.load(nomination_id)
    except DomainError:
        abort(404)


def _apply(form, error: DomainError) -> int:
    """A refusal onto the form's fields (else a flash); the status to answer with."""
    aliases = {"user_id": "person"}
    for name, message in (error.fields or {}).items():
        field = getattr(form, aliases.get(name, name), None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "danger")
    if not error.fields:
        flash(str(error.message), "danger")
    return error.status


@bp.get("/notices")
def public():
    """Anyone: the nominations in public notice, names masked; signed-in people may object."""
    notices = db.session.execute(notices_stmt().order_by(Nomination.notice_ends, Nomination.id)
                                 .limit(PAGE_ROWS)).scalars().all()
    return render_template("notices/public.html", notices=notices, form=ObjectionForm(), failed_id=None)


@bp.post("/notices/<int:nomination_id>/objections")
@login_required
def object_to(nomination_id: int):
    """A signed-in person's objection (a reason required); back to the notice page."""
    nomination = _nomination_or_404(nomination_id)
    form = ObjectionForm()
    status = 422
    if form.validate_on_submit():
        try:
            services.object_to(nomination.id, form.reason.data, current_user)
            flash(_("Thank you. Your objection was received; an admin will look into it."), "success")
            return redirect(url_for("notices.public"))
        except DomainError as error:
            status = _apply(form, error)
    notices = db.session.execute(notices_stmt().order_by(Nomination.notice_ends, Nomination.id)
                                 .limit(PAGE_ROWS)).scalars().all()
    return render_template("notices/public.html", notices=notices, form=form, failed_id=nomination_id), status


@bp.get("/nominations")
@role_required("admin")
def nominations():
    """Admins (auditors read): every nomination, newest first, filtered by status."""
    status = request.args.get("status", "")
    stmt = sa.select(Nomination).options(joinedload(Nomination.type), joinedload(Nomination.nominee))
    if status in STATUSES:
        stmt = stmt.where(Nomination.status == status)
    else:
        status = ""
    rows = db.session.execute(stmt.order_by(Nomination.id.desc()).limit(PAGE_ROWS)).scalars().all()
    return render_template("notices/nominations.html", rows=rows, status=status, statuses=STATUSES)


def _type_choices() -> list[SelectChoice]:
    return [SelectChoice(t.code, _("%(name)s (+%(points)s)", name=t.name, points=t.points))
            for t in setup_services.list_commendation_types(active_only=True)]


@bp.route("/nominations/new", methods=["GET", "POST"])
@role_required("admin", "team_lead", readers=())
def nominate():
    """Admins nominate anyone; leads nominate members of their teams (from the team view)."""
    form = NominateForm()
    form.type.choices = _type_choices()
    candidates, status = [], 200
    if request.method == "GET":
        preset = parse_id(request.args.get("user_id"))
        person = db.session.get(User, preset) if preset is not None else None
        if person is not None:
            form.person.data, form.pick.data = person.username, str(person.id)
    elif form.validate_on_submit():
        person, candidates = resolve_person(form)
        status = 422
        if person is not None:
            try:
                new_id = services.nominate(person.id, form.type.data, form.reason.data, current_user)
                flash(_("Nominated. An admin reviews it before the public notice."), "success")
                if current_user.has_role("admin"):
                    return redirect(url_for("notices.nomination", nomination_id=new_id))
                return redirect(url_for("points.lead_home"))
            except DomainError as error:
                status = _apply(form, error)
    else:
        status = 422
    return render_template("notices/nominate.html", form=form, candidates=candidates), status


@bp.get("/nominations/<int:nomination_id>")
@role_required("admin")
def nomination(nomination_id: int):
    """One nomination with its objections and the review or resolve form its status allows."""
    found = _nomination_or_404(nomination_id)
    return render_template("notices/nomination.html", n=found, review=ReviewForm(), resolve=ResolveForm())


def _decide(nomination_id: int, form, decide, done: str):
    found = _nomination_or_404(nomination_id)
    status = 422
    if form.validate_on_submit():
        try:
            decide(found.id, form.decision.data, form.reason.data or None, current_user)
            flash(done, "success")
            return redirect(url_for("notices.nomination", nomination_id=found.id))
        except DomainError as error:
            status = _apply(form, error)
    forms = {"review": ReviewForm(), "resolve": ResolveForm()}
    forms["review" if isinstance(form, ReviewForm) else "resolve"] = form
    return render_template("notices/nomination.html", n=found, **forms), status


@bp.post("/nominations/<int:nomination_id>/review")
@role_required("admin")
def review(nomination_id: int):
    """Approve (post the notice) or reject a nomination."""
    return _decide(nomination_id, ReviewForm(), services.review, _("The nomination was reviewed."))


@bp.post("/nominations/<int:nomination_id>/resolve")
@role_required("admin")
def resolve(nomination_id: int):
    """Uphold or dismiss the objections to a nomination."""
    return _decide(nomination_id, ResolveForm(), services.resolve, _("The objection was resolved."))
