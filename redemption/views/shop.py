"""What residents see: the catalogue, one store at a time, and the item photos."""

import sqlalchemy as sa
from flask import abort, current_app, render_template, request, send_from_directory
from flask_login import current_user, login_required

from core.validate import parse_page
from extensions import db
from redemption import catalogue as catalogue_reads
from redemption.models import Item
from redemption.photos import photo_path
from redemption.views.blueprint import bp, parse_id

PHOTO_MAX_AGE = 365 * 24 * 3600


@bp.get("/catalogue")
@login_required
def catalogue():
    """One store at a time, a page of its items with photo, price, stock and what the monthly limit leaves."""
    stores, balance, unread = catalogue_reads.open_stores(current_user.id)
    chosen = parse_id(request.args.get("store"))
    shown = next((s for s in stores if s.id == chosen), stores[0] if stores else None)
    affordable = request.args.get("affordable") == "1"  # "我能兑换的": anything else shows everything
    page = catalogue_reads.catalogue_page(
        shown.id, parse_page(request.args.get("page")), current_user.id,
        affordable_balance=balance if affordable else None) if shown else None
    return render_template(
        "redemption/catalogue.html", stores=stores, shown=shown, items=page.items if page else [], page=page,
        balance=balance, affordable=affordable, **({} if unread is None else {"unread": unread}),
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
