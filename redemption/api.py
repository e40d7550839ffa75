"""JSON API of the store: stores, catalogue, stock, residents by card, redemptions and voids."""

from uuid import uuid4

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask_babel import gettext

from core.api import (
    answer_in_write,
    api_user,
    created,
    idempotent,
    json_body,
    keyset_page,
    require_roles,
    service_key,
)
from core.errors import Forbidden, NotFound, ValidationFailed
from core.timeutil import to_iso
from core.validate import Checker
from extensions import db
from redemption import services
from redemption.counter_reads import resident_for_card
from redemption.models import Item, Redemption, Store
from redemption.redeem import check_can_void
from redemption.requests import (
    MAX_DELTA,
    MAX_LINES,
    MAX_MONTHLY_LIMIT,
    MAX_PRICE,
    MAX_QUANTITY,
    MAX_STOCK,
    basket_item_ids,
    get_item,
    is_int,
    require_counter,
    require_store_manager,
)

bp = Blueprint("redemption_api", __name__, url_prefix="/api/v1")


def render_store(store: Store) -> dict:
    return {"id": store.id, "name": store.name, "community_id": store.community_id, "active": store.active,
            "account_id": store.account_id, "keeper_ids": sorted(k.user_id for k in store.keepers),
            "created_at": to_iso(store.created_at)}


def render_item(item: Item) -> dict:
    return {"id": item.id, "store_id": item.store_id, "name": item.name, "category": item.category,
            "price": item.price, "stock": item.stock, "active": item.active, "monthly_limit": item.monthly_limit,
            "photo": item.photo}


def render_redemption(r: Redemption) -> dict:
    return {
        "id": r.id, "number": r.number, "store_id": r.store_id, "resident_id": r.resident_id,
        "keeper_id": r.keeper_id, "total_points": r.total_points, "balance_after": r.balance_after,
        "status": r.status, "created_at": to_iso(r.created_at), "voided_at": to_iso(r.voided_at),
        "void_reason": r.void_reason, "found_by": r.found_by, "proxy_id": r.proxy_id,
        "lines": [{"item_id": line.item_id, "item_name": line.item_name, "quantity": line.quantity,
                   "unit_price": line.unit_price, "line_points": line.line_points} for line in r.lines],
    }


def _optional_text(c: Checker, name: str, max_length: int) -> str:
    return c.text(name, required=False, max_length=max_length, min_length=0) or ""


@bp.post("/stores")
def create_store():
    """Open a store (admin)."""
    actor = require_roles("admin")
    c = Checker(json_body())
    name = c.text("name", max_length=100)
    community_id = c.id("community_id", required=False)
    keeper_ids = c.id_list("keeper_ids", max_items=50)
    c.done()
    return created(render_store(services.create_store(name, community_id, keeper_ids, actor)))


@bp.post("/items")
@idempotent
def create_item():
    """Add an item to a store's catalogue with its opening stock (admin, keeper of the store)."""
    actor = require_roles("admin", "store_keeper")
    c = Checker(json_body())
    store_id = c.id("store_id")
    if is_int(store_id) and db.session.get(Store, store_id) is not None:
        require_store_manager(store_id, actor)
    name = c.text("name", max_length=100)
    category = _optional_text(c, "category", 40)
    price = c.integer("price", min_value=1, max_value=MAX_PRICE)
    stock = c.integer("stock", min_value=0, max_value=MAX_STOCK)
    monthly_limit = c.integer("monthly_limit", required=False, min_value=1, max_value=MAX_MONTHLY_LIMIT)
    active = c.boolean("active", default=True)
    c.done()
    item = services.create_item(services.NewItem(
        store_id=store_id, name=name, price=price, stock=stock, monthly_limit=monthly_limit,
        category=category, active=active), actor, key=service_key("item", uuid4().hex))
    return created(render_item(item))


@bp.get("/items")
def list_items():
    """The catalogue with stock; residents see the active items of active stores only."""
    user = api_user()
    raw = request.args.get("store_id")
    stmt = sa.select(Item)
    if raw not in (None, ""):
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 15 or not is_int(int(raw)):  # "²".isdigit()
            raise ValidationFailed({"store_id": gettext("Must be a store id.")})
        stmt = stmt.where(Item.store_id == int(raw))
    if not user.has_role("admin", "auditor"):
        visible = sa.and_(Item.active.is_(True), Item.store_id.in_(sa.select(Store.id).where(Store.active.is_(True))))
        kept = services.keeper_store_ids(user.id) if user.has_role("store_keeper") else []
        stmt = stmt.where(sa.or_(visible, Item.store_id.in_(kept)) if kept else visible)
    return jsonify(keyset_page(stmt, Item.id, render_item, descending=False))


@bp.post("/items/<int:item_id>/stock")
@idempotent
def move_stock(item_id: int):
    """Book a donation, purchase or adjustment (admin, keeper of the item's store)."""
    actor = require_roles("admin", "store_keeper")
    item = get_item(item_id)
    require_store_manager(item.store_id, actor)
    c = Checker(json_body())
    delta = c.integer("delta", min_value=-MAX_DELTA, max_value=MAX_DELTA)
    kind = c.text("kind", max_length=20)
    reason = _optional_text(c, "reason", 500)
    donor = _optional_text(c, "donor", 100) or None
    c.done()
    movement = services.move_stock(services.StockChange(
        item_id=item.id, delta=delta, kind=kind, reason=reason, donor=donor,
        key=service_key("stock", uuid4().hex)), actor)
    return created({"id": movement.id, "item_id": movement.item_id, "delta": movement.delta,
                    "kind": movement.kind, "stock_after": movement.stock_after, "reason": movement.reason,
                    "donor": movement.donor, "created_at": to_iso(movement.created_at)})


@bp.get("/residents/by-card/<code>")
def resident_by_card(code: str):
    """Identify a resident at the counter by the code their card carries (store keeper, admin)."""
    require_roles("store_keeper", "admin")
    found = resident_for_card(code)
    return jsonify({"id": found[0], "name": found[1], "balance": int(found[2])})


def _lines(c: Checker) -> list[services.Line]:
    raw = c.data.get("lines")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_LINES:
        c.fail("lines", gettext("Give from 1 to %(max)s lines.", max=MAX_LINES))
        return []
    lines = []
    for n, entry in enumerate(raw):
        if not isinstance(entry, dict):
            c.fail(f"lines[{n}]", gettext("Each line needs item_id and quantity."))
            continue
        sub = Checker(entry)
        item_id = sub.id("item_id")
        quantity = sub.integer("quantity", min_value=1, max_value=MAX_QUANTITY)
        for field, message in sub.errors.items():
            c.fail(f"lines[{n}].{field}", message)
        if not sub.errors:
            lines.append(services.Line(item_id=item_id, quantity=quantity))
    return lines


@bp.post("/redemptions")
@idempotent
def create_redemption():
    """Redeem a basket for a resident at a store's counter (keeper of that store)."""
    actor = require_roles("store_keeper")
    c = Checker(json_body())
    store_id = c.id("store_id")
    resident_id = c.id("resident_id")
    if store_id is not None:
        # 403 before 422; its one query (store, keeper, resident, the basket's items) serves the redemption too
        require_counter(store_id, resident_id, actor, basket_item_ids(c.data.get("lines")))
    lines = _lines(c)
    card_code = c.text("card_code", required=False, max_length=40)
    proxy_id = c.id("proxy_id", required=False)
    if proxy_id is not None and proxy_id == actor.id:  # 403 before 422: the keeper is not the resident's proxy here
        raise Forbidden(gettext("A keeper cannot present a card as proxy at their own counter; "
                                "another keeper serves you."))
    c.done()
    request_ = services.RedeemRequest(
        store_id=store_id, resident_id=resident_id, lines=tuple(lines), key=service_key("redemption", uuid4().hex),
        found_by="search" if card_code is None else "card", card_code=card_code, proxy_id=proxy_id)
    answer_in_write(render_redemption, 201)
    return created(render_redemption(services.redeem(request_, actor)))


def _visible_redemption(redemption_id: int, user) -> Redemption:
    """The redemption if this person may see it (its keepers, admins, auditors, its resident), else NotFound."""
    redemption = db.session.get(Redemption, redemption_id) if is_int(redemption_id) else None
    if redemption is None:
        raise NotFound()
    if user.has_role("admin", "auditor") or redemption.resident_id == user.id:
        return redemption
    if user.has_role("store_keeper") and services.keeps_store(user.id, redemption.store_id):
        return redemption
    raise NotFound()


@bp.post("/redemptions/<int:redemption_id>/void")
@idempotent
def void_redemption(redemption_id: int):
    """Void a redemption: its keeper on the same day, an admin any time."""
    actor = require_roles("store_keeper", "admin")
    redemption = _visible_redemption(redemption_id, actor)
    check_can_void(redemption, actor)
    c = Checker(json_body())
    reason = c.text("reason", max_length=500)
    c.done()
    voided = services.void_redemption(redemption.id, reason, actor,
                                      key=service_key("void", str(redemption.id)))
    return jsonify(render_redemption(voided))


@bp.get("/redemptions/<int:redemption_id>")
def get_redemption(redemption_id: int):
    """One redemption with its lines and status."""
    user = api_user()
    return jsonify(render_redemption(_visible_redemption(redemption_id, user)))
