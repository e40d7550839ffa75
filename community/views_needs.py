"""Pages for the needs list and the co-building units (registered on the community blueprint)."""

import sqlalchemy as sa
from flask import abort, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from accounts.decorators import role_required
from accounts.models import Community, User
from community import needs, units
from community.models import NEED_STATES, Need, Unit, Wish
from community.pages import act, back_to, bp, form_data
from extensions import db


def _names(model, ids) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(model.id, model.name).where(model.id.in_(ids))).all())


@bp.get("/community/needs")
@login_required
def needs_list():
    """The needs list by status; a unit's contacts claim and complete, admins add and confirm."""
    status = request.args.get("status") or None
    if status not in NEED_STATES:
        status = None
    rows = db.session.execute(needs.needs_stmt(status).order_by(Need.id.desc()).limit(200)).scalars().all()
    my_units = units.units_of(current_user.id)
    return render_template(
        "community/needs.html", rows=rows, status=status, states=NEED_STATES,
        communities=_names(Community, [r.community_id for r in rows]),
        unit_names=_names(Unit, [r.unit_id for r in rows] + list(my_units)), my_units=sorted(my_units),
        all_communities=db.session.execute(sa.select(Community).order_by(Community.name)).scalars().all()
        if current_user.has_role("admin") else [])


@bp.post("/community/needs")
@role_required("admin")
def create_need():
    """Add an item to a community's needs list."""
    return act(lambda: needs.create_need(form_data("title", "details", ids=("community_id",)), current_user),
               _("Added to the needs list."), back_to("community.needs_list"))


@bp.post("/community/needs/<int:need_id>/claim")
@login_required
def claim_need(need_id: int):
    """A unit's contact claims the need for the unit."""
    return act(lambda: needs.claim_need(need_id, form_data(ids=("unit_id",)), current_user),
               _("Claimed for your unit."), back_to("community.needs_list"))


@bp.post("/community/needs/<int:need_id>/complete")
@login_required
def complete_need(need_id: int):
    """A contact of the claiming unit reports it done."""
    return act(lambda: needs.complete_need(need_id, form_data("note"), current_user),
               _("Reported as done; the community will confirm it."), back_to("community.needs_list"))


@bp.post("/community/needs/<int:need_id>/confirm")
@role_required("admin")
def confirm_need(need_id: int):
    """An admin confirms a completed need."""
    return act(lambda: needs.confirm_need(need_id, current_user), _("Confirmed."),
               back_to("community.needs_list"))


def _contact_ids() -> list | str:
    """Contact people named by username, one per line or separated by commas."""
    refs = [r.strip() for r in (request.form.get("contacts") or "").replace("，", ",").replace("\n", ",").split(",")]
    refs = [r for r in refs if r][:50]
    found = dict(db.session.execute(sa.select(User.username, User.id).where(User.username.in_(refs))).all())
    return [found[r] for r in refs] if all(r in found for r in refs) else ["?"]  # "?": the service names it


@bp.get("/community/units")
@role_required("admin")
def units_page():
    """Co-building units with their contacts and what they have done; admins add units."""
    rows = units.all_units()
    done = dict(db.session.execute(sa.select(Need.unit_id, sa.func.count()).where(
        Need.status.in_(("completed", "confirmed"))).group_by(Need.unit_id)).all())
    claimed = dict(db.session.execute(sa.select(Need.unit_id, sa.func.count()).where(
        Need.status == "claimed").group_by(Need.unit_id)).all())
    contacts = {u.id: units.contacts_of(u.id) for u in rows}
    return render_template("community/units.html", rows=rows, done=done, claimed=claimed, contacts=contacts)


@bp.post("/community/units")
@role_required("admin")
def create_unit():
    """Register a unit with its contact people (by username)."""
    return act(lambda: units.create_unit({"name": request.form.get("name"), "contact_ids": _contact_ids()},
                                         current_user),
               _("The unit was registered."), back_to("community.units_page"))


@bp.post("/community/units/<int:unit_id>/contacts")
@role_required("admin")
def set_unit_contacts(unit_id: int):
    """Replace a unit's contact people (by username)."""
    return act(lambda: units.set_contacts(unit_id, {"contact_ids": _contact_ids()}, current_user),
               _("Saved."), back_to("community.unit_page", unit_id=unit_id))


@bp.get("/community/units/<int:unit_id>")
@login_required
def unit_page(unit_id: int):
    """One unit: its contacts, the needs it claimed and completed, its party members' wishes."""
    unit = db.session.get(Unit, unit_id) or abort(404)
    g.read_only = not current_user.has_role("admin")
    if not (current_user.has_role("admin", "auditor") or units.is_contact(current_user.id, unit_id)):
        abort(404)  # not theirs to see
    rows = db.session.execute(needs.needs_stmt(unit_id=unit_id).order_by(Need.id.desc())).scalars().all()
    members = db.session.execute(sa.select(User).where(User.unit_id == unit_id, User.party_member.is_(True))
                                 .order_by(User.name)).scalars().all()
    wishes_claimed = db.session.execute(sa.select(sa.func.count()).select_from(Wish).where(
        Wish.claimer_id.in_([m.id for m in members] or [0]))).scalar()
    contacts = units.contacts_of(unit_id)
    return render_template("community/unit.html", unit=unit, contacts=contacts, rows=rows,
                           contact_usernames=", ".join(c.username for c in contacts),
                           members=members, wishes_claimed=wishes_claimed,
                           communities=_names(Community, [r.community_id for r in rows]))
