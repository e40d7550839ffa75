"""What residents see: the catalogue of every store, and the item photos."""

import sqlalchemy as sa
from flask import abort, current_app, render_template, request, send_from_directory
from flask_login import current_user, login_required

from extensions import db
from points import ledger
from redemption import services
from redemption.models import Item, Store
from redemption.photos import photo_path
from redemption.views.blueprint import bp, parse_id

PHOTO_MAX_AGE = 365 * 24 * 3600


@bp.get("/catalogue")
@login_required
def catalogue():
    """Per store, the items on sale with photo, price, stock, monthly limit and what is left of it."""
    stores = list(db.session.execute(
        sa.select(Store).where(Store.active.is_(True)).order_by(Store.name)
    ).scalars())
    chosen = parse_id(request.args.get("store"))
    shown = [s for s in stores if s.id == chosen] or stores
    items = list(db.session.execute(
        sa.select(Item).where(Item.store_id.in_([s.id for s in shown]), Item.active.is_(True))
        .order_by(Item.category, Item.name)
    ).scalars()) if shown else []
    allowance = services.monthly_allowance(current_user.id, [i.id for i in items]) if items else {}
    by_store = {s.id: [] for s in shown}
    for item in items:
        by_store[item.store_id].append(item)
    return render_template(
        "redemption/catalogue.html", stores=stores, shown=shown, by_store=by_store, allowance=allowance,
        chosen=chosen if len(shown) == 1 and len(stores) > 1 else None,
        balance=ledger.user_balance(current_user.id),
    )


@bp.get("/photos/<name>")
@login_required
def photo(name: str):
    """An item's photo from instance/uploads; only names some item refers to, so nothing else leaks."""
    if photo_path(name) is None:
        abort(404)
    known = db.session.execute(sa.select(Item.id).where(Item.photo == name).limit(1)).first()
    if known is None:
        abort(404)
    response = send_from_directory(current_app.config["UPLOAD_FOLDER"], name, max_age=PHOTO_MAX_AGE)
    response.cache_control.immutable = True
    return response
