"""Managing items: create and edit (with a photo), the movement history, and booking stock in or out."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts.decorators import role_required
from core.errors import DomainError, ValidationFailed
from extensions import db
from redemption import services
from redemption.forms import ItemForm, StockForm
from redemption.models import Item, StockMovement, Store
from redemption.photos import save_photo
from redemption.views.blueprint import bp, form_key, get_or_404, require_manage, show_refusal

HISTORY = 100
LARGE_BOOKING = 100  # a booking of this many or more is confirmed first, like every write-off


def needs_confirming(stock: int, delta: int) -> bool:
    """A write-off (negative) or a large booking shows the item, the change and the stock after first.

    One that would take stock below zero goes straight to the refusal instead."""
    return (delta < 0 and stock + delta >= 0) or abs(delta) >= LARGE_BOOKING


def _actor():
    return current_user._get_current_object()


def _upload():
    """The uploaded photo, or None when no file was chosen."""
    upload = request.files.get("photo")
    return upload if upload is not None and upload.filename else None


@bp.route("/stores/<int:store_id>/items/new", methods=["GET", "POST"])
@role_required("admin", "store_keeper", readers=())  # forms only: auditors read the item page
def new_item(store_id: int):
    """Add an item; its opening stock is booked as an opening movement."""
    shop = get_or_404(Store, store_id)
    require_manage(shop.id)
    form = ItemForm()
    if not form.validate_on_submit():
        return render_template("redemption/item_form.html", form=form, store=shop, item=None), (
            422 if form.is_submitted() else 200)
    try:
        photo = save_photo(_upload()) if _upload() is not None else None
        item = services.create_item(services.NewItem(
            store_id=shop.id, name=form.name.data, price=form.price.data, stock=form.stock.data,
            monthly_limit=form.monthly_limit.data, category=form.category.data or "", active=form.active.data,
        ), _actor(), key=form_key(form.idempotency_key.data))
        if photo is not None:
            services.update_item(item.id, _actor(), photo=photo)
    except DomainError as refused:
        show_refusal(form, refused)
        return render_template("redemption/item_form.html", form=form, store=shop, item=None), refused.status
    flash(_("%(name)s added.", name=item.name), "success")
    return redirect(url_for(".store", store_id=shop.id), 303)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@role_required("admin", "store_keeper", readers=())
def edit_item(item_id: int):
    """Change an item's name, price, limit, category, photo or whether it is on sale (never its stock)."""
    item = get_or_404(Item, item_id)
    require_manage(item.store_id)
    form = ItemForm(obj=item)
    del form.stock
    if not form.validate_on_submit():
        return render_template("redemption/item_form.html", form=form, store=item.store, item=item), (
            422 if form.is_submitted() else 200)
    try:
        changes = {"name": form.name.data, "price": form.price.data, "monthly_limit": form.monthly_limit.data,
                   "category": form.category.data or "", "active": form.active.data}
        if _upload() is not None:
            changes["photo"] = save_photo(_upload())
        elif request.form.get("remove_photo") == "y":
            changes["photo"] = None
        services.update_item(item.id, _actor(), **changes)
    except DomainError as refused:
        show_refusal(form, refused)
        return render_template("redemption/item_form.html", form=form, store=item.store, item=item), refused.status
    flash(_("%(name)s saved.", name=form.name.data), "success")
    return redirect(url_for(".item", item_id=item.id), 303)


def _render_item(item: Item, form: StockForm, status: int = 200, barcode_error: str | None = None):
    movements = list(db.session.execute(
        sa.select(StockMovement).where(StockMovement.item_id == item.id)
        .order_by(StockMovement.id.desc()).limit(HISTORY)
    ).scalars())
    return render_template("redemption/item.html", item=item, form=form, movements=movements,
                           barcode_error=barcode_error), status


@bp.get("/items/<int:item_id>")
@role_required("admin", "store_keeper")
def item(item_id: int):
    """An item's details, the stock form, and its movement history, newest first."""
    found = get_or_404(Item, item_id)
    require_manage(found.store_id)
    return _render_item(found, StockForm(formdata=None))


@bp.post("/items/<int:item_id>/stock")
@role_required("admin", "store_keeper")
def stock(item_id: int):
    """Book a donation (with its donor), a purchase, or an adjustment (with a reason)."""
    found = get_or_404(Item, item_id)
    require_manage(found.store_id)
    form = StockForm()
    if not form.validate_on_submit():
        return _render_item(found, form, 422)
    if needs_confirming(found.stock, form.delta.data) and form.confirmed.data != "1":
        return render_template("redemption/stock_confirm.html", item=found, form=form,
                               stock_after=found.stock + form.delta.data)
    try:
        movement = services.move_stock(services.StockChange(
            item_id=found.id, delta=form.delta.data, kind=form.kind.data, reason=(form.reason.data or "").strip(),
            donor=(form.donor.data or "").strip() or None, key=form_key(form.idempotency_key.data),
        ), _actor())
    except ValidationFailed as refused:
        show_refusal(form, refused)
        return _render_item(found, form, 422)
    except DomainError as refused:  # a write-off past the stock names the item (the message exists already)
        flash(_("Not enough stock of %(name)s.", name=found.name) if refused.code == "out_of_stock"
              else str(refused.message), "danger")
        return _render_item(found, StockForm(formdata=None), refused.status)
    flash(_("Booked %(item)s %(delta)s; stock is now %(stock)s.", item=found.name,
            delta=f"{movement.delta:+d}".replace("-", "−"), stock=movement.stock_after), "success")
    return redirect(url_for(".item", item_id=found.id), 303)


@bp.post("/items/<int:item_id>/barcode")
@role_required("admin", "store_keeper")
def barcode(item_id: int):
    """Set or clear the barcode the counter's scanner reads for this item."""
    from flask_wtf import FlaskForm

    from redemption.barcodes import set_barcode

    found = get_or_404(Item, item_id)
    require_manage(found.store_id)
    if not FlaskForm().validate_on_submit():  # the CSRF token
        return _render_item(found, StockForm(formdata=None), 400, _("The form expired; try again."))
    try:
        set_barcode(found.id, request.form.get("barcode", "")[:100], _actor())
    except ValidationFailed as refused:
        return _render_item(found, StockForm(formdata=None), 422, str((refused.fields or {}).get("barcode", "")))
    flash(_("Barcode saved."), "success")
    return redirect(url_for(".item", item_id=found.id), 303)
