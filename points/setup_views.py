"""Admin pages for the points set-up: teams, the rule, levels, commendation types and awards."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts.decorators import read_only, role_required
from accounts.models import Community, User
from core.errors import DomainError, IdempotencyConflict, ValidationFailed
from extensions import db
from points import awards, ledger, setup_services, teams
from points import setup_forms as forms
from points.models import Adjustment, Commendation, CommendationType, DifficultyLevel, Team

bp = Blueprint("setup", __name__)


def _actor():
    return current_user._get_current_object()


def _apply(form, error: DomainError) -> int:
    """Put a refusal onto the form (field errors, else a flash); the status to answer with."""
    fields = error.fields or {}
    aliases = {"user_id": "person", "lead_ids": "leads", "type": "type"}
    for name, message in fields.items():
        field = getattr(form, aliases.get(name, name), None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "danger")
    if not fields:
        flash(str(error.message), "danger")
    return error.status


def _usernames(text: str) -> tuple[list[int], list[str]]:
    names = [n.strip() for n in (text or "").replace("，", ",").split(",") if n.strip()]
    found = dict(db.session.execute(
        sa.select(sa.func.lower(User.username), User.id).where(
            sa.func.lower(User.username).in_([n.lower() for n in names]), User.active.is_(True))
    ).all()) if names else {}
    return [found[n.lower()] for n in names if n.lower() in found], [n for n in names if n.lower() not in found]


# ---------------------------------------------------------------- teams

@bp.route("/teams", methods=["GET", "POST"], endpoint="teams")
@role_required("admin")
def teams_page():
    form = forms.TeamForm()
    communities = db.session.execute(sa.select(Community).order_by(Community.name)).scalars().all()
    form.community_id.choices = [(0, _("— none —"))] + [(c.id, c.name) for c in communities]
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            lead_ids, unknown = _usernames(form.leads.data)
            if unknown:
                form.leads.errors = [_("Unknown or inactive usernames: %(names)s", names=", ".join(unknown))]
            else:
                try:
                    team = teams.create_team(form.name.data, form.community_id.data or None, lead_ids, _actor())
                    flash(_("Team %(name)s created.", name=team.name), "success")
                    return redirect(url_for("setup.team", team_id=team.id))
                except DomainError as error:
                    status = _apply(form, error)
    return render_template("setup/teams.html", form=form, rows=teams.team_overview()), status



@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@role_required("admin", "team_lead")
def team(team_id: int):
    if read_only():  # an auditor reads any team and changes nothing
        db.session.get(Team, team_id) or abort(404)
    else:
        teams.check_can_manage(_actor(), team_id)
    form, candidates, status = forms.PersonForm(), [], 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            person, candidates = forms.resolve_person(form)
            if person is not None:
                form.person.data = person.username
                try:
                    teams.add_member(team_id, person.id, _actor())
                    flash(_("%(name)s is in the team.", name=person.name), "success")
                    return redirect(url_for("setup.team", team_id=team_id))
                except DomainError as error:
                    status = _apply(form, error)
    return render_template("setup/team.html", team=db.session.get(Team, team_id), form=form,
                           candidates=candidates, members=teams.members_of(team_id),
                           is_admin=current_user.has_role("admin")), status


@bp.post("/teams/<int:team_id>/members/<int:user_id>/remove")
@role_required("admin", "team_lead")
def remove_member(team_id: int, user_id: int):
    teams.remove_member(team_id, user_id, _actor())
    flash(_("Removed from the team."), "success")
    return redirect(url_for("setup.team", team_id=team_id))


@bp.post("/teams/<int:team_id>/members/<int:user_id>/lead")
@role_required("admin")
def set_lead(team_id: int, user_id: int):
    make = request.form.get("lead") == "1"
    teams.set_lead(team_id, user_id, make, _actor())
    flash(_("Now a team lead.") if make else _("No longer a team lead."), "success")
    return redirect(url_for("setup.team", team_id=team_id))


@bp.get("/setup/people")
@role_required("admin", "team_lead")
def people():
    """Suggestions for the person picker: [{"username", "name"}]."""
    found = forms.search_people(request.args.get("q", "")[:100], limit=10)
    return jsonify({"items": [{"username": u.username, "name": u.name} for u in found]})


# ---------------------------------------------------------------- rules, levels, types

def _rules_page(rule_form=None, level_form=None, type_form=None, status=200):
    rule = setup_services.current_rule()
    rule_form = rule_form or forms.RuleForm(prefix="rule", formdata=None, points_per_hour=rule.points_per_hour)
    return render_template(
        "setup/rules.html", rule=rule, history=setup_services.rule_history(),
        levels=setup_services.list_levels(), types=setup_services.list_commendation_types(),
        rule_form=rule_form, level_form=level_form or forms.LevelForm(prefix="level", formdata=None),
        type_form=type_form or forms.CommendationTypeForm(prefix="ctype", formdata=None),
        fmt=setup_services.format_multiplier,
    ), status


@bp.get("/rules")
@role_required("admin")
def rules():
    return _rules_page()


@bp.post("/rules")
@role_required("admin")
def change_rule():
    form = forms.RuleForm(prefix="rule")
    if not form.validate_on_submit():
        return _rules_page(rule_form=form, status=422)
    current = setup_services.current_rule().points_per_hour
    if form.confirmed.data != "1" and form.points_per_hour.data != current:
        return render_template("setup/rule_confirm.html", form=form, current=current)
    rule = setup_services.set_points_per_hour(form.points_per_hour.data, _actor())
    flash(_("%(n)s points per hour from now on (version %(v)s).", n=rule.points_per_hour, v=rule.id), "success")
    return redirect(url_for("setup.rules"))


@bp.post("/rules/levels")
@role_required("admin")
def create_level():
    form = forms.LevelForm(prefix="level")
    if form.validate_on_submit():
        try:
            setup_services.create_level(form.code.data, form.name.data, form.multiplier.data.strip(), _actor())
            flash(_("Difficulty level added."), "success")
            return redirect(url_for("setup.rules"))
        except ValidationFailed as error:
            _apply(form, error)
    return _rules_page(level_form=form, status=422)


@bp.post("/rules/commendation-types")
@role_required("admin")
def create_type():
    form = forms.CommendationTypeForm(prefix="ctype")
    if form.validate_on_submit():
        try:
            setup_services.create_commendation_type(form.code.data, form.name.data, form.points.data, _actor())
            flash(_("Commendation type added."), "success")
            return redirect(url_for("setup.rules"))
        except ValidationFailed as error:
            _apply(form, error)
    return _rules_page(type_form=form, status=422)


def _edit(model, form_class, obj_id: int, save, title: str):
    obj = db.session.get(model, obj_id) if obj_id < 2**31 else None
    if obj is None:
        abort(404)
    form = form_class(obj=obj if request.method == "GET" else None)
    del form.code  # codes are fixed once created
    if isinstance(obj, DifficultyLevel) and request.method == "GET":
        form.multiplier.data = setup_services.format_multiplier(obj.multiplier)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                save(obj.id, form)
                flash(_("Saved."), "success")
                return redirect(url_for("setup.rules"))
            except ValidationFailed as error:
                status = _apply(form, error)
    return render_template("setup/edit.html", form=form, obj=obj, title=title), status


@bp.route("/rules/levels/<int:level_id>", methods=["GET", "POST"])
@role_required("admin", readers=())  # an edit form; the rules page lists every level
def edit_level(level_id: int):
    def save(obj_id, form):
        setup_services.update_level(obj_id, _actor(), name=form.name.data,
                                    multiplier=form.multiplier.data.strip(), active=form.active.data)

    return _edit(DifficultyLevel, forms.LevelForm, level_id, save, _("Edit difficulty level"))


@bp.route("/rules/commendation-types/<int:type_id>", methods=["GET", "POST"])
@role_required("admin", readers=())
def edit_type(type_id: int):
    def save(obj_id, form):
        setup_services.update_commendation_type(obj_id, _actor(), name=form.name.data,
                                                points=form.points.data, active=form.active.data)

    return _edit(CommendationType, forms.CommendationTypeForm, type_id, save, _("Edit commendation type"))


# ---------------------------------------------------------------- awards

def _award(form, template: str, grant, done_endpoint: str, confirm=None):
    form.ensure_key()
    candidates, status = [], 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            person, candidates = forms.resolve_person(form)
            if person is not None:
                form.person.data = person.username  # a retry needs no second pick
                if confirm is not None and form.confirmed.data != "1" and person.id != current_user.id:
                    return render_template("setup/award_confirm.html", form=form, person=person,
                                           balance=ledger.user_balance(person.id), **confirm(person))
                key = f"form:{current_user.id}:{form.idempotency_key.data}"
                try:
                    record = grant(person, key)
                    return redirect(url_for(done_endpoint, record_id=record.id))
                except IdempotencyConflict:
                    flash(_("This form was already sent with other values; check and send it again."), "warning")
                    form.new_key()
                    status = 409
                except DomainError as error:
                    status = _apply(form, error)
        elif form.idempotency_key.errors:
            flash(form.idempotency_key.errors[0], "danger")
            form.new_key()
    return render_template(template, form=form, candidates=candidates), status


@bp.route("/awards/commendations/new", methods=["GET", "POST"])
@role_required("admin", readers=())  # a form only: nothing for an auditor to read
def commend():
    form = forms.CommendationForm()
    form.type.choices = [(t.code, _("%(name)s (+%(points)s)", name=t.name, points=t.points))
                         for t in setup_services.list_commendation_types(active_only=True)]
    def confirm(person) -> dict:
        kind = setup_services.commendation_type_by_ref(form.type.data)
        return {"title": _("Grant this commendation?"), "what": kind.name if kind else form.type.data,
                "points": kind.points if kind else 0, "action": url_for("setup.commend")}

    return _award(form, "setup/commend.html", lambda person, key: awards.grant_commendation(
        person.id, form.type.data, form.reason.data, _actor(), key), "setup.commendation", confirm)


@bp.route("/awards/adjustments/new", methods=["GET", "POST"])
@role_required("admin", readers=())
def adjust():
    form = forms.AdjustmentForm()
    def confirm(person) -> dict:
        return {"title": _("Adjust these points?"), "what": _("Manual adjustment"), "points": form.points.data,
                "action": url_for("setup.adjust")}

    return _award(form, "setup/adjust.html", lambda person, key: awards.adjust_points(
        person.id, form.points.data, form.reason.data, _actor(), key), "setup.adjustment", confirm)


def _record(model, record_id: int):
    record = db.session.get(model, record_id) if record_id < 2**31 else None
    if record is None:
        abort(404)
    return record


@bp.get("/awards/commendations/<int:record_id>")
@role_required("admin")
def commendation(record_id: int):
    record = _record(Commendation, record_id)
    return render_template("setup/award_done.html", record=record, kind="commendation",
                           balance_after=awards.balance_after(record), balance_now=_balance(record))


@bp.get("/awards/adjustments/<int:record_id>")
@role_required("admin")
def adjustment(record_id: int):
    record = _record(Adjustment, record_id)
    return render_template("setup/award_done.html", record=record, kind="adjustment",
                           balance_after=awards.balance_after(record), balance_now=_balance(record))


def _balance(record) -> int:
    return ledger.user_balance(record.user_id)


@bp.get("/awards", endpoint="awards")
@role_required("admin")
def awards_page():
    return render_template("setup/awards.html", commendations=awards.recent_commendations(50),
                           adjustments=awards.recent_adjustments(50))
