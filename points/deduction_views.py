"""Admin pages for deductions: the types (auditors read them), recording one with a confirm step."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Regexp

from accounts.decorators import role_required
from core.errors import DomainError
from core.validate import StrictIntegerField
from extensions import db
from points import deductions, ledger
from points import setup_forms as forms
from points.deduction_models import Deduction, DeductionType
from points.setup_services import CODE_PATTERN
from points.setup_views import _apply, _award

bp = Blueprint("deductions", __name__)


class DeductionTypeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[InputRequired(), Regexp(CODE_PATTERN, message=_l(
        "1–40 lower-case letters, digits, '_' or '-', starting with a letter or digit."))])
    name = StringField(_l("Deduction name"), validators=[InputRequired(), Length(max=60)])
    points = StrictIntegerField(_l("Points"), validators=[
        InputRequired(), NumberRange(min=1, max=deductions.MAX_DEDUCTION_POINTS)], render_kw={"inputmode": "numeric"})


class DeductionForm(forms.AwardForm):
    type = SelectField(_l("Deduction"), validators=[InputRequired()])


def _types_page(type_form: DeductionTypeForm, status: int = 200):
    return render_template("policy/deductions.html", types=deductions.list_types(), type_form=type_form,
                           recent=deductions.recent_deductions(50)), status


@bp.get("/deductions")
@role_required("admin")
def deductions_page():
    return _types_page(DeductionTypeForm())


@bp.post("/deductions/types")
@role_required("admin")
def create_type():
    form = DeductionTypeForm()
    if not form.validate_on_submit():
        return _types_page(form, 422)
    try:
        kind = deductions.create_type(form.code.data, form.name.data, form.points.data,
                                      current_user._get_current_object())
    except DomainError as error:
        return _types_page(form, _apply(form, error))
    flash(_("Deduction type %(name)s added.", name=kind.name), "success")
    return redirect(url_for("deductions.deductions_page"))


@bp.route("/deductions/new", methods=["GET", "POST"])
@role_required("admin", readers=())  # a form only: auditors read /deductions
def deduct():
    form = DeductionForm()
    form.type.choices = [(t.code, _("%(name)s (−%(points)s)", name=t.name, points=t.points))
                         for t in deductions.list_types(active_only=True)]

    def confirm(person) -> dict:
        kind = deductions.type_by_ref(form.type.data)
        points = kind.points if kind else 0
        # What will be taken: the type's points, or the whole balance if that is less.
        taken = min(points, ledger.user_balance(person.id))
        return {"title": _("Deduct these points?"), "what": kind.name if kind else form.type.data,
                "points": -taken, "action": url_for("deductions.deduct")}

    if request.method == "GET" and request.args.get("person"):
        form.person.data = request.args.get("person", "")[:100]
    return _award(form, "policy/deduct.html", lambda person, key: deductions.deduct(
        person.id, form.type.data, form.reason.data, current_user._get_current_object(), key),
        "deductions.deduction", confirm)


@bp.get("/deductions/<int:record_id>")
@role_required("admin")
def deduction(record_id: int):
    record = db.session.get(Deduction, record_id) if record_id < 2**31 else None
    if record is None:
        abort(404)
    from accounts.models import User

    return render_template("policy/deduction_done.html", record=record, person=db.session.get(User, record.user_id),
                           kind=db.session.get(DeductionType, record.type_id),
                           balance_after=deductions.balance_after(record))
