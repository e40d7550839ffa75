"""Managing stores: the list (admins create stores here), a store's page, and its donors."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from accounts.decorators import read_only, role_required
from accounts.models import Community, User, UserRole
from core.errors import DomainError
from core.timeutil import shanghai_day_bounds, shanghai_today
from extensions import db
from redemption import services
from redemption.forms import StoreForm
from redemption.models import Item, Redemption, StockMovement, Store
from redemption.views.blueprint import (
    bp,
    get_or_404,
    my_store_ids,
    require_manage,
    show_refusal,
    stores_by_id,
)

RECENT = 30


def _store_form() -> StoreForm:
    form = StoreForm()
    communities = db.session.execute(sa.select(Community.id, Community.name).order_by(Community.name)).all()
    form.community_id.choices = [SelectChoice(0, _("(none)"))] + [SelectChoice(c.id, c.name) for c in communities]
    people = db.session.execute(
        sa.select(User.id, User.name, User.username).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_(("store_keeper", "admin")), User.active.is_(True))
        .distinct().order_by(User.name)
    ).all()
    form.keeper_ids.choices = [SelectChoice(p.id, f"{p.name} ({p.username})") for p in people]
    return form


@bp.route("/stores", methods=["GET", "POST"])
@role_required("admin", "store_keeper")
def stores():
    """Admins see every store and open new ones; keepers see the stores they keep."""
    is_admin = current_user.has_role("admin")
    form = _store_form() if is_admin else None
    status = 200
    if form is not None and form.is_submitted():
        if form.validate():
            try:
                store = services.create_store(
                    form.name.data, form.community_id.data or None, list(form.keeper_ids.data or []),
                    current_user._get_current_object(),
                )
            except DomainError as refused:
                show_refusal(form, refused)
                status = 422
            else:
                flash(_("Store %(name)s opened.", name=store.name), "success")
                return redirect(url_for(".store", store_id=store.id), 303)
        else:
            status = 422
    if is_admin or read_only():  # auditors read every store
        shown = list(db.session.execute(sa.select(Store).order_by(Store.name)).scalars())
    else:
        shown = stores_by_id(my_store_ids())
    counts = dict(db.session.execute(
        sa.select(Item.store_id, sa.func.count(Item.id)).where(Item.active.is_(True)).group_by(Item.store_id)
    ).all())
    return render_template("redemption/stores.html", stores=shown, form=form, counts=counts), status


@bp.get("/stores/<int:store_id>")
@role_required("admin", "store_keeper")
def store(store_id: int):
    """A store's items (stock, price, active, monthly limit) and its redemptions today and recently."""
    shop = get_or_404(Store, store_id)
    require_manage(shop.id)
    items = list(db.session.execute(
        sa.select(Item).where(Item.store_id == shop.id).order_by(Item.active.desc(), Item.category, Item.name)
    ).scalars())
    start, end = shanghai_day_bounds(shanghai_today())
    recent = list(db.session.execute(
        sa.select(Redemption).where(Redemption.store_id == shop.id)
        .order_by(Redemption.created_at.desc(), Redemption.id.desc()).limit(RECENT)
    ).scalars())
    today = db.session.execute(
        sa.select(sa.func.count(Redemption.id), sa.func.coalesce(sa.func.sum(Redemption.total_points), 0))
        .where(Redemption.store_id == shop.id, Redemption.status == "completed",
               Redemption.created_at >= start, Redemption.created_at < end)
    ).one()
    keepers = [k.user for k in shop.keepers]
    return render_template("redemption/store.html", store=shop, items=items, recent=recent,
                           today_count=today[0], today_points=today[1], keepers=keepers)


@bp.get("/stores/<int:store_id>/donors")
@role_required("admin", "store_keeper")
def donors(store_id: int):
    """Each donor with what they gave to this store, and their totals."""
    shop = get_or_404(Store, store_id)
    require_manage(shop.id)
    rows = db.session.execute(
        sa.select(StockMovement.donor, Item.name, sa.func.sum(StockMovement.delta).label("quantity"),
                  sa.func.count(StockMovement.id).label("times"), sa.func.max(StockMovement.created_at).label("last"))
        .join(Item, Item.id == StockMovement.item_id)
        .where(Item.store_id == shop.id, StockMovement.kind == "donation", StockMovement.donor.is_not(None))
        .group_by(StockMovement.donor, Item.name).order_by(StockMovement.donor, Item.name)
    ).all()
    donors_ = {}
    for row in rows:
        entry = donors_.setdefault(row.donor, {"name": row.donor, "lines": [], "quantity": 0, "times": 0, "last": None})
        entry["lines"].append(row)
        entry["quantity"] += int(row.quantity)
        entry["times"] += int(row.times)
        entry["last"] = max(filter(None, [entry["last"], row.last]), default=None)
    ordered = sorted(donors_.values(), key=lambda d: (-d["quantity"], d["name"]))
    return render_template("redemption/donors.html", store=shop, donors=ordered)
