"""Stores and their catalogue: opening a store, adding and changing items."""

from dataclasses import replace
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import gettext

from accounts.models import Community, User, UserRole
from audit import service as audit
from core.db import insert_ignore, run_write
from core.errors import Forbidden, IdempotencyConflict, ValidationFailed
from core.paging import Page, paged, with_total
from core.timeutil import shanghai_today
from extensions import db
from notifications.services import unread_subquery
from points import ledger
from points.ledger_models import Account
from redemption.models import Item, ItemMonthUsage, StockMovement, Store, StoreKeeper
from redemption.requests import (
    MAX_MONTHLY_LIMIT,
    MAX_PRICE,
    MAX_STOCK,
    NewItem,
    clean_text,
    get_item,
    is_int,
    item_snapshot,
    require_store_manager,
)

UNCHANGED = object()  # update_item: leave this field as it is


def keeper_store_ids(user_id: int) -> list[int]:
    """Ids of the stores this person keeps, ascending."""
    return list(db.session.execute(
        sa.select(StoreKeeper.store_id).where(StoreKeeper.user_id == user_id).order_by(StoreKeeper.store_id)
    ).scalars())


def _check_store(name, community_id, keeper_ids) -> tuple[str, list[int]]:
    errors = {}
    name, problem = clean_text(name, max_length=100, required=True)
    if problem:
        errors["name"] = problem
    elif db.session.execute(sa.select(Store.id).where(Store.name == name)).first():
        errors["name"] = gettext("A store with this name already exists.")
    if community_id is not None and (not is_int(community_id) or db.session.get(Community, community_id) is None):
        errors["community_id"] = gettext("No such community.")
    if not isinstance(keeper_ids, (list, tuple)) or len(keeper_ids) > 50 or not all(is_int(k) for k in keeper_ids):
        errors["keeper_ids"] = gettext("Must be a list of ids.")
        keeper_ids = []
    keeper_ids = list(dict.fromkeys(keeper_ids))
    if keeper_ids and "keeper_ids" not in errors:
        found = set(db.session.execute(
            sa.select(User.id).where(User.id.in_(keeper_ids), User.active.is_(True))
        ).scalars())
        missing = [k for k in keeper_ids if k not in found]
        if missing:
            errors["keeper_ids"] = gettext("No such active people: %(ids)s.", ids=", ".join(map(str, missing)))
    if errors:
        raise ValidationFailed(errors)
    return name, keeper_ids


def create_store(name: str, community_id: int | None, keeper_ids: list[int], actor) -> Store:
    """Open a store with its own ledger account; keepers get the store_keeper role if lacking."""
    if actor is not None and not actor.has_role("admin"):
        raise Forbidden()
    name, keeper_ids = _check_store(name, community_id, keeper_ids)
    actor_id = getattr(actor, "id", None)

    def work() -> Store:
        if db.session.execute(sa.select(Store.id).where(Store.name == name)).first():
            raise ValidationFailed({"name": gettext("A store with this name already exists.")})
        store = Store(name=name, community_id=community_id, account_id=ledger.open_store_account(name))
        store.keepers = [StoreKeeper(user_id=k) for k in keeper_ids]
        db.session.add(store)
        db.session.flush()
        held = set(db.session.execute(sa.select(UserRole.user_id).where(
            UserRole.user_id.in_(keeper_ids or [0]), UserRole.role == "store_keeper")).scalars())
        for user_id in keeper_ids:
            if user_id not in held:
                insert_ignore(UserRole.__table__, {"user_id": user_id, "role": "store_keeper"})
                audit.record("user.role_granted", actor=actor_id, subject_type="users", subject_id=user_id,
                             after={"role": "store_keeper", "store_id": store.id})
        audit.record("store.created", actor=actor_id, subject=store, after={
            "name": name, "community_id": community_id, "keeper_ids": keeper_ids, "account_id": store.account_id,
        })
        return store

    return run_write(work)


def _check_item_fields(errors: dict, *, price=UNCHANGED, monthly_limit=UNCHANGED, category=UNCHANGED,
                       active=UNCHANGED) -> dict:
    values = {}
    if price is not UNCHANGED:
        if not is_int(price) or not 1 <= price <= MAX_PRICE:
            errors["price"] = gettext("Must be a whole number from %(min)s to %(max)s.", min=1, max=MAX_PRICE)
        values["price"] = price
    if monthly_limit is not UNCHANGED:
        if monthly_limit is not None and (not is_int(monthly_limit) or not 1 <= monthly_limit <= MAX_MONTHLY_LIMIT):
            errors["monthly_limit"] = gettext("Must be empty or a whole number from %(min)s to %(max)s.",
                                              min=1, max=MAX_MONTHLY_LIMIT)
        values["monthly_limit"] = monthly_limit
    if category is not UNCHANGED:
        values["category"], problem = clean_text(category, max_length=40, required=False)
        if problem:
            errors["category"] = problem
    if active is not UNCHANGED:
        if not isinstance(active, bool):
            errors["active"] = gettext("Must be true or false.")
        values["active"] = active
    return values


def _name_taken(store_id: int, name: str, except_id: int | None = None) -> bool:
    stmt = sa.select(Item.id).where(Item.store_id == store_id, Item.name == name)
    if except_id is not None:
        stmt = stmt.where(Item.id != except_id)
    return db.session.execute(stmt).first() is not None


def create_item(req: NewItem, actor, key: str | None = None) -> Item:
    """Add an item; its opening stock is an `opening` movement, so stock equals its movements."""
    store = db.session.get(Store, req.store_id) if is_int(req.store_id) else None
    if store is not None:
        require_store_manager(store.id, actor)
    elif actor is not None and not actor.has_role("admin", "store_keeper"):
        raise Forbidden()
    errors = {} if store is not None else {"store_id": gettext("No such store.")}
    name, problem = clean_text(req.name, max_length=100, required=True)
    if problem:
        errors["name"] = problem
    if not is_int(req.stock) or not 0 <= req.stock <= MAX_STOCK:
        errors["stock"] = gettext("Must be a whole number from %(min)s to %(max)s.", min=0, max=MAX_STOCK)
    values = _check_item_fields(errors, price=req.price, monthly_limit=req.monthly_limit,
                                category=req.category, active=req.active)
    body_hash = ledger.request_hash({"store_id": req.store_id, "name": name, "stock": req.stock, **values})
    if not errors and key is not None:
        replay = _item_replay(key, body_hash)
        if replay is not None:
            return replay
    if "name" not in errors and store is not None and _name_taken(store.id, name):
        errors["name"] = gettext("This store already has an item with this name.")
    if errors:
        raise ValidationFailed(errors)
    actor_id = getattr(actor, "id", None)

    def work() -> Item:
        if key is not None and (replay := _item_replay(key, body_hash)) is not None:
            return replay
        if _name_taken(store.id, name):
            raise ValidationFailed({"name": gettext("This store already has an item with this name.")})
        item = Item(store_id=store.id, name=name, stock=req.stock, **values)
        db.session.add(item)
        db.session.flush()
        if req.stock > 0:
            db.session.add(StockMovement(
                item_id=item.id, delta=req.stock, kind="opening", actor_id=actor_id, stock_after=req.stock,
                idempotency_key=key, request_hash=body_hash if key else None,
            ))
        audit.record("item.created", actor=actor_id, subject=item, after=item_snapshot(item))
        return item

    return run_write(work)


def _item_replay(key: str, body_hash: str) -> Item | None:
    """The item an earlier create_item with this key opened, or IdempotencyConflict if its body differed."""
    movement = db.session.execute(
        sa.select(StockMovement).where(StockMovement.idempotency_key == key)
    ).scalar_one_or_none()
    if movement is None:
        return None
    if movement.kind != "opening" or movement.request_hash != body_hash:
        raise IdempotencyConflict()
    return movement.item


def update_item(item_id: int, actor, *, name=UNCHANGED, category=UNCHANGED, price=UNCHANGED,
                active=UNCHANGED, monthly_limit=UNCHANGED, photo=UNCHANGED) -> Item:
    """Change an item's details (never its stock: that moves only through movements)."""
    item = get_item(item_id)
    require_store_manager(item.store_id, actor)
    errors: dict = {}
    values = _check_item_fields(errors, price=price, monthly_limit=monthly_limit, category=category,
                                active=active)
    if name is not UNCHANGED:
        values["name"], problem = clean_text(name, max_length=100, required=True)
        if problem:
            errors["name"] = problem
        elif _name_taken(item.store_id, values["name"], except_id=item.id):
            errors["name"] = gettext("This store already has an item with this name.")
    if photo is not UNCHANGED:
        if photo is not None and (not isinstance(photo, str) or not 1 <= len(photo) <= 100):
            errors["photo"] = gettext("Invalid photo.")
        values["photo"] = photo
    if errors:
        raise ValidationFailed(errors)
    actor_id = getattr(actor, "id", None)
    store_id = item.store_id

    def work() -> Item:
        current = db.session.get(Item, item_id)
        if "name" in values and _name_taken(store_id, values["name"], except_id=item_id):
            raise ValidationFailed({"name": gettext("This store already has an item with this name.")})
        before = item_snapshot(current)
        for field, value in values.items():
            setattr(current, field, value)
        db.session.flush()
        after = item_snapshot(current)
        changed = {k for k in after if after[k] != before[k]} - {"stock"}
        if changed:
            audit.record("item.updated", actor=actor_id, subject=current,
                         before={k: before[k] for k in sorted(changed)}, after={k: after[k] for k in sorted(changed)})
        return current

    return run_write(work)


# ---------------------------------------------------------------- reads for the catalogue page
# Prebuilt Core statements (issue 6): the page is the stores with the resident's balance, then one page of
# one store's items with what this month's limit leaves the resident and the count of the whole list.

CATALOGUE_PAGE_SIZE = 24

_RESIDENT = sa.bindparam("resident_id")
_OPEN_STORES = (
    sa.select(Store.id, Store.name,
              sa.select(Account.credits_posted - Account.debits_posted).where(Account.user_id == _RESIDENT)
              .scalar_subquery().label("balance"),
              unread_subquery(_RESIDENT).label("unread"))
    .where(Store.active.is_(True)).order_by(Store.name, Store.id)
)
_USED = sa.func.coalesce(ItemMonthUsage.quantity, 0)
_ITEMS = with_total(
    sa.select(Item.id, Item.name, Item.category, Item.photo, Item.price, Item.stock, Item.monthly_limit,
              _USED.label("used"))
    .outerjoin(ItemMonthUsage, sa.and_(ItemMonthUsage.item_id == Item.id, ItemMonthUsage.resident_id == _RESIDENT,
                                       ItemMonthUsage.month == sa.bindparam("month")))
    .where(Item.store_id == sa.bindparam("store_id"), Item.active.is_(True))
    .order_by(Item.category, Item.name, Item.id)
)
# "我能兑换的": one of it fits the balance now, it is in stock and the month's limit is not used up.
_AFFORDABLE = _ITEMS.where(Item.price <= sa.bindparam("balance"), Item.stock > 0,
                           sa.or_(Item.monthly_limit.is_(None), Item.monthly_limit > _USED))


def open_stores(resident_id: int) -> tuple[list, int, int | None]:
    """(active stores by name: rows of id and name, the resident's balance, their unread messages) in one
    statement; unread is None when no store is open (the page header then counts them itself)."""
    stores = db.session.execute(_OPEN_STORES, {"resident_id": resident_id}).all()
    if not stores:
        return stores, ledger.user_balance(resident_id), None
    return stores, int(stores[0].balance or 0), int(stores[0].unread or 0)


def catalogue_page(store_id: int, page: int, resident_id: int, per_page: int = CATALOGUE_PAGE_SIZE, *,
                   affordable_balance: int | None = None) -> Page:
    """One page of one store's items on sale, by category and name, each with `used` (this month, by this
    resident) and `left` (what the monthly limit leaves, None without a limit); only what the resident can
    take one of now when affordable_balance is given."""
    params = {"store_id": store_id, "resident_id": resident_id, "month": f"{shanghai_today():%Y-%m}",
              "balance": affordable_balance}
    found = paged(db.session, _ITEMS if affordable_balance is None else _AFFORDABLE, page, per_page, params)
    items = [SimpleNamespace(**row._asdict(), left=None if row.monthly_limit is None
                             else max(0, row.monthly_limit - row.used)) for row in found.items]
    return replace(found, items=items)
