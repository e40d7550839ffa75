"""Admin pages for people, communities and grids; registered on the `accounts` blueprint."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from accounts import services
from accounts.card_sheets import card_sheets
from accounts.cards import card_context
from accounts.decorators import read_only, role_required
from accounts.forms import (
    ROLE_LABELS,
    CareModeForm,
    CommunityForm,
    ConfirmForm,
    EditPersonForm,
    GridForm,
    NewPersonForm,
    SearchForm,
)
from accounts.import_views import import_people_page
from accounts.models import Community, User
from accounts.preferences import set_care_mode
from core.errors import DomainError, ValidationFailed
from extensions import db

PER_PAGE = 25


def _communities() -> list[Community]:
    return list(db.session.execute(
        sa.select(Community).options(selectinload(Community.grids)).order_by(Community.name)
    ).scalars())


def _apply_errors(form, error: DomainError) -> None:
    """Put a service's field messages onto the form (unknown fields become a flash)."""
    for name, message in (error.fields or {}).items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + [str(message)]
        else:
            flash(str(message), "danger")
    if not error.fields:
        flash(str(error.message), "danger")


def _community_of_grid(form) -> int | None:
    """A chosen grid implies its community when none was chosen."""
    if form.grid_id.data and not form.community_id.data:
        from accounts.models import Grid

        grid = db.session.get(Grid, form.grid_id.data)
        return grid.community_id if grid else None
    return form.community_id.data


@role_required("admin")
def people():
    """Everyone, searchable by name, username, phone or pinyin initials; paginated."""
    form = SearchForm(request.args)
    q = form.q.data if form.validate() else ""
    stmt = services.people_query(q).options(selectinload(User.community), selectinload(User.grid))
    page = db.paginate(stmt.order_by(User.id.desc()), per_page=PER_PAGE, error_out=False, count=True)
    return render_template("accounts/people.html", form=form, page=page, q=q or "", role_labels=ROLE_LABELS)


@role_required("admin", readers=())
def new_person():
    """Add a person with roles, community, grid and contact details."""
    form = NewPersonForm()
    form.set_places(_communities())
    status = 200
    if request.method == "POST":
        status = 422
        valid = form.validate_on_submit()
        phone, id_number = services.clean_phone(form.phone.data), services.clean_id_number(form.id_number.data)
        contact = services.contact_errors(phone, id_number)  # checked with the rest: every problem at once
        if contact:
            _apply_errors(form, ValidationFailed(contact))
        if valid and not contact:
            try:
                user = services.create_user(services.NewUser(
                    username=form.username.data.strip(), name=form.name.data, password=form.password.data,
                    roles=tuple(form.roles.data), community_id=_community_of_grid(form),
                    grid_id=form.grid_id.data, phone=phone, id_number=id_number,
                ), current_user)
            except DomainError as error:
                _apply_errors(form, error)
            else:
                flash(_("Added %(name)s.", name=user.name), "success")
                return redirect(url_for("accounts.edit_person", user_id=user.id))
    return render_template("accounts/person_form.html", form=form, person=None), status


@role_required("admin")
def edit_person(user_id: int):
    """Change a person's details, roles, active flag or password."""
    person = db.session.get(User, user_id) or abort(404)
    if read_only():  # an auditor reads the person, phone masked, and changes nothing
        return render_template("accounts/person.html", person=person, role_labels=ROLE_LABELS)
    form = EditPersonForm(obj=None if request.method == "POST" else person)
    if request.method == "GET":
        form.roles.data = person.roles
    form.set_places(_communities())
    form.set_units(services.unit_choices())
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                services.update_user(services.EditUser(
                    user_id=user_id, name=form.name.data, roles=tuple(form.roles.data), active=form.active.data,
                    community_id=_community_of_grid(form), grid_id=form.grid_id.data,
                    phone=services.clean_phone(form.phone.data),
                    id_number=services.clean_id_number(form.id_number.data),
                    new_password=form.new_password.data or None,
                    party_member=form.party_member.data, in_need=form.in_need.data,
                    set_unit=True, unit_id=form.unit_id.data,
                ), current_user)
            except DomainError as error:
                _apply_errors(form, error)
            else:
                flash(_("Saved."), "success")
                return redirect(url_for("accounts.edit_person", user_id=user_id))
    return render_template("accounts/person_form.html", form=form, person=person,
                           confirm=ConfirmForm()), status


@role_required("admin", readers=())
def replace_card(user_id: int):
    """Issue a new card code; the old card stops working at once."""
    db.session.get(User, user_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.replace_card(user_id, current_user)
    flash(_("A new card was issued; the old card no longer works. Print the new one."), "success")
    return redirect(url_for("accounts.person_card", user_id=user_id))


@role_required("admin", readers=())  # a card code is a means of payment: admins only
def person_card(user_id: int):
    """A person's member card, for an admin to print."""
    person = db.session.get(User, user_id) or abort(404)
    return render_template("accounts/card.html", back_url=url_for("accounts.edit_person", user_id=user_id),
                           **card_context(person))


@role_required("admin")
def communities():
    """List communities with their grids; add a community."""
    form = CommunityForm(prefix="community")
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                community = services.create_community(form.name.data, current_user)
            except DomainError as error:
                _apply_errors(form, error)
            else:
                flash(_("Added the community %(name)s.", name=community.name), "success")
                return redirect(url_for("accounts.communities"))
    counts = dict(db.session.execute(
        sa.select(User.community_id, sa.func.count(User.id)).group_by(User.community_id)
    ).all())
    return render_template("accounts/communities.html", form=form, communities=_communities(),
                           grid_form=GridForm(prefix="grid"), counts=counts), status


@role_required("admin")
def add_grid(community_id: int):
    """Add a grid to a community."""
    db.session.get(Community, community_id) or abort(404)
    form = GridForm(prefix="grid")
    if not form.validate_on_submit():
        for message in form.name.errors or [_("Enter a grid name.")]:
            flash(str(message), "danger")
        return redirect(url_for("accounts.communities"))
    try:
        grid = services.create_grid(community_id, form.name.data, current_user)
    except DomainError as error:
        flash(str((error.fields or {}).get("name", error.message)), "danger")
    else:
        flash(_("Added the grid %(name)s.", name=grid.name), "success")
    return redirect(url_for("accounts.communities"))


@role_required("admin")
def person_care_mode(user_id: int):
    """An admin (or the office for a resident without a phone) switches large text on or off."""
    form = CareModeForm()
    if not form.validate_on_submit() or form.on.data not in ("0", "1"):
        abort(400)
    try:
        set_care_mode(user_id, form.on.data == "1", current_user)
    except DomainError:
        abort(404)
    flash(_("Large text is on for this person.") if form.on.data == "1" else _("Large text is off for this person."),
          "success")
    return redirect(url_for("accounts.edit_person", user_id=user_id))


ROUTES = [
    ("/people", "people", people, ["GET"]),
    ("/people/new", "new_person", new_person, ["GET", "POST"]),
    ("/people/<int:user_id>/edit", "edit_person", edit_person, ["GET", "POST"]),
    ("/people/<int:user_id>/card", "person_card", person_card, ["GET"]),
    ("/people/<int:user_id>/card/replace", "replace_card", replace_card, ["POST"]),
    ("/people/<int:user_id>/care-mode", "person_care_mode", person_care_mode, ["POST"]),
    ("/people/card-sheets", "card_sheets", card_sheets, ["GET"]),
    ("/people/import", "import_people", import_people_page, ["GET", "POST"]),
    ("/communities", "communities", communities, ["GET", "POST"]),
    ("/communities/<int:community_id>/grids", "add_grid", add_grid, ["POST"]),
]
