"""Pages: the family (members, totals, gifts), the people a proxy acts for, and the admin's
households and proxies. Every page checks its role on the server; residents see only their own."""

import re

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from accounts import proxies
from accounts.decorators import role_required
from accounts.forms import CareModeForm
from accounts.models import User
from accounts.preferences import set_care_mode
from core.errors import DomainError, GiftNotAllowed
from core.privacy import mask_name
from core.validate import parse_page
from extensions import db
from households import gifts, services
from households.forms import GiftForm, HouseholdForm, UsernameForm
from points import ledger
from points.entries import entries_page

bp = Blueprint("households", __name__)


def _me():
    return current_user._get_current_object()


def _form_key(raw: str) -> str:
    return f"form:{current_user.id}:{raw}"


def _message(refused: DomainError) -> str:
    text = str(refused.message)
    if refused.fields:
        text += " " + "; ".join(str(v) for v in refused.fields.values())
    return text


@bp.get("/family")
@login_required
def family():
    """My household: each member's balance, hours and star, and the family's totals; whom I act for."""
    household_id = services.household_of(current_user.id)
    detail = services.household_detail(household_id) if household_id else None
    acting_for = [(p, ledger.user_balance(p.id)) for p in proxies.people_of(current_user.id)]
    return render_template("households/family.html", detail=detail, acting_for=acting_for,
                           balance=ledger.user_balance(current_user.id))


def _recipient_choices() -> tuple[list[SelectChoice], dict[int, str]]:
    """Household members by name, then residents in need, masked (二次公益); and each one's shown name."""
    choices, shown = [], {}
    household_id = services.household_of(current_user.id)
    detail = services.household_detail(household_id) if household_id else None
    members = {m.user_id for m in detail.members} if detail else set()
    for m in detail.members if detail else ():
        if m.user_id != current_user.id:
            choices.append(SelectChoice(m.user_id, _("%(name)s (my household)", name=m.name)))
            shown[m.user_id] = m.name
    for person in gifts.in_need_residents():
        if person.id != current_user.id and person.id not in members:
            choices.append(SelectChoice(person.id, _("%(name)s (in need)", name=mask_name(person.name))))
            shown[person.id] = mask_name(person.name)
    return choices, shown


def _gift_page(form: GiftForm, *, step: str = "form", error: str | None = None, status: int = 200,
               recipient_label: str = ""):
    return render_template("households/gift.html", form=form, step=step, error=error,
                           balance=ledger.user_balance(current_user.id), recipient_label=recipient_label), status


@bp.route("/family/gift", methods=["GET", "POST"])
@login_required
def gift():
    """The gift form; a valid first post shows the confirm step, the confirmed post gives the points."""
    form = GiftForm()
    form.to_user_id.choices, shown = _recipient_choices()
    if request.method == "GET":
        chosen = request.args.get("to", "")
        if chosen.isascii() and chosen.isdigit() and len(chosen) < 10:
            form.to_user_id.data = int(chosen)
        return _gift_page(form)
    if not form.to_user_id.choices:
        return _gift_page(form, error=str(GiftNotAllowed().message), status=403)
    if not form.validate_on_submit():
        return _gift_page(form, status=422)
    label = shown.get(form.to_user_id.data, "")
    if form.confirmed.data != "1":
        form.confirmed.data = "1"
        return _gift_page(form, step="confirm", recipient_label=label)
    try:
        result = gifts.give(_me(), form.to_user_id.data, form.points.data, form.note.data or "",
                            _form_key(form.idempotency_key.data))
    except DomainError as refused:
        form.confirmed.data = ""
        return _gift_page(form, error=_message(refused), status=refused.status)
    flash(_("You gave %(points)s points to %(name)s. Balance: %(balance)s.", points=result.points, name=label,
            balance=result.balance_after), "success")
    return redirect(url_for(".family"), 303)


@bp.get("/family/acting-for/<int:user_id>")
@login_required
def acting_for(user_id: int):
    """A proxy's view of the resident they act for: balance and history (others: not found)."""
    if not proxies.acts_for(current_user.id, user_id):
        abort(404)
    person = db.session.get(User, user_id)
    pagination, entries = entries_page(user_id, max(parse_page(request.args.get("page")), 1))
    return render_template("households/acting_for.html", person=person, entries=entries, page=pagination,
                           balance=ledger.user_balance(user_id), care_form=CareModeForm(formdata=None))


@bp.post("/family/acting-for/<int:user_id>/care-mode")
@login_required
def acting_for_care_mode(user_id: int):
    """A proxy switches large text (关怀模式) on or off for the resident they act for; audited as theirs."""
    if not proxies.acts_for(current_user.id, user_id):
        abort(404)
    form = CareModeForm()
    if not form.validate_on_submit() or form.on.data not in ("0", "1"):
        abort(400)
    set_care_mode(user_id, form.on.data == "1", _me())
    flash(_("Large text is on for this person.") if form.on.data == "1" else _("Large text is off for this person."),
          "success")
    return redirect(url_for(".acting_for", user_id=user_id), 303)


# ---------------------------------------------------------------- admin: households

def _ids_for(usernames: str) -> tuple[list[int], list[str]]:
    """Usernames typed by the admin → (ids, the ones that name nobody)."""
    names = [n for n in re.split(r"[\s,，]+", usernames or "") if n]
    found = dict(db.session.execute(sa.select(User.username, User.id).where(User.username.in_(names))).all()) \
        if names else {}
    return [found[n] for n in names if n in found], [n for n in names if n not in found]


@bp.route("/households", methods=["GET", "POST"])
@role_required("admin")
def households_list():
    """Households with their member counts, and a form to make one (admin; an auditor reads)."""
    form = HouseholdForm()
    status, error = 200, None
    if request.method == "POST":
        if form.validate_on_submit():
            ids, unknown = _ids_for(form.usernames.data)
            if unknown:
                error, status = _("No such username: %(names)s", names=", ".join(unknown)), 422
            else:
                try:
                    new_id = services.create_household(form.name.data, ids, _me())
                except DomainError as refused:
                    error, status = _message(refused), refused.status
                else:
                    flash(_("Household created."), "success")
                    return redirect(url_for(".household_page", household_id=new_id), 303)
        else:
            status = 422
    return render_template("households/list.html", form=form, rows=services.households_page(), error=error), status


@bp.get("/households/<int:household_id>")
@login_required
def household_page(household_id: int):
    """One household: members with balance, hours and star (its members, admin, auditor)."""
    detail = services.household_detail(household_id) if household_id else None
    if detail is None or not services.may_see(household_id, current_user):
        abort(404)
    return render_template("households/household.html", detail=detail, form=UsernameForm(formdata=None),
                           can_manage=current_user.has_role("admin"))


def _by_username(act, done: str) -> None:
    """An admin's form naming one person by username: act(person id or None), then say how it went."""
    form = UsernameForm()
    if not form.validate_on_submit():
        flash(_("Type a username."), "danger")
        return
    ids, _unknown = _ids_for(form.username.data)
    try:
        act(ids[0] if ids else None)
        flash(done, "success")
    except DomainError as refused:
        flash(_message(refused), "danger")


def _refused_or_done(act, done: str) -> None:
    """Run act(); an unknown object answers 404, another refusal is said on the page."""
    try:
        act()
    except DomainError as refused:
        if refused.status == 404:
            abort(404)
        flash(_message(refused), "danger")
    else:
        flash(done, "success")


@bp.post("/households/<int:household_id>/members")
@role_required("admin")
def household_add(household_id: int):
    """Add a member by username (admin)."""
    if not household_id or services.household_detail(household_id) is None:
        abort(404)
    _by_username(lambda person_id: services.add_member(household_id, person_id, _me()), _("Member added."))
    return redirect(url_for(".household_page", household_id=household_id), 303)


@bp.post("/households/<int:household_id>/members/<int:user_id>/remove")
@role_required("admin")
def household_remove(household_id: int, user_id: int):
    """Take a member out (admin)."""
    _refused_or_done(lambda: services.remove_member(household_id, user_id, _me()), _("Member removed."))
    return redirect(url_for(".household_page", household_id=household_id), 303)


# ---------------------------------------------------------------- admin: proxies

@bp.get("/proxies/<int:user_id>")
@role_required("admin")
def proxies_page(user_id: int):
    """A resident's proxies, with forms to name and end them (admin; an auditor reads)."""
    person = db.session.get(User, user_id) if user_id else None
    if person is None:
        abort(404)
    return render_template("households/proxies.html", person=person, rows=proxies.proxies_of(user_id),
                           form=UsernameForm(formdata=None))


@bp.post("/proxies/<int:user_id>")
@role_required("admin")
def proxy_add(user_id: int):
    """Name a proxy by username (admin)."""
    if not user_id or db.session.get(User, user_id) is None:
        abort(404)
    _by_username(lambda person_id: proxies.name_proxy(user_id, person_id, _me()), _("Proxy named."))
    return redirect(url_for(".proxies_page", user_id=user_id), 303)


@bp.post("/proxies/<int:user_id>/<int:proxy_id>/end")
@role_required("admin")
def proxy_end(user_id: int, proxy_id: int):
    """End a proxy relation (admin)."""
    _refused_or_done(lambda: proxies.end_proxy(user_id, proxy_id, _me()), _("The proxy was ended."))
    return redirect(url_for(".proxies_page", user_id=user_id), 303)
