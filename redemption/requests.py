"""The store's request dataclasses and the small checks every store use case shares."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import g, has_request_context
from flask_babel import gettext

from accounts.proxies import open_proxy_name
from core.errors import Forbidden, NotFound
from core.timeutil import SHANGHAI, aware
from extensions import db
from policy.current import newest_version_columns, prime
from redemption.models import Item, Store, StoreKeeper

MAX_DB_INT = 2**31 - 1
MAX_PRICE = 1_000_000
MAX_STOCK = 100_000_000  # far below a 32-bit integer column, so a sum can never overflow
MAX_DELTA = 1_000_000
MAX_QUANTITY = 999
MAX_LINES = 50
MAX_MONTHLY_LIMIT = 999
STOCK_KINDS = ("donation", "purchase", "adjustment")


@dataclass(frozen=True)
class NewItem:
    store_id: int
    name: str
    price: int
    stock: int
    monthly_limit: int | None = None
    category: str = ""
    active: bool = True


@dataclass(frozen=True)
class StockChange:
    item_id: int
    delta: int
    kind: str
    reason: str = ""
    donor: str | None = None
    key: str | None = None


@dataclass(frozen=True)
class Line:
    item_id: int
    quantity: int


@dataclass(frozen=True)
class RedeemRequest:
    store_id: int
    resident_id: int
    lines: tuple[Line, ...]
    key: str
    found_by: str = "card"  # "card": the card was scanned; "search": picked by name or id
    card_code: str | None = None  # when given, it must be the resident's card (then found_by is "card")
    proxy_id: int | None = None  # the resident's proxy (代办人) who presented the card, if any


@dataclass(frozen=True)
class CounterContext:
    """What one statement tells about a counter's store, its keeper, the resident served and the basket's items."""

    store_exists: bool
    store_active: bool
    store_account_id: int | None
    is_keeper: bool
    resident_active: bool | None  # None: no such person
    resident_card: str | None
    resident_account_id: int | None
    store_name: str | None = None
    item_ids: frozenset = frozenset()  # the items asked for: those found are in items
    items: dict = field(default_factory=dict)  # id → (id, store_id, name, price, active, monthly_limit)


_context_statement: list[sa.Select] = []


def _counter_statement() -> sa.Select:
    """Built once (constructing it cost more than running it): one row of the counter's facts, one per item
    asked for (a LEFT JOIN from a one-row select, so no item still gives the facts)."""
    if _context_statement:
        return _context_statement[0]
    from accounts.models import User
    from points.ledger_models import Account

    store_id, resident_id = sa.bindparam("store_id"), sa.bindparam("resident_id")
    stores, users, items = Store.__table__, User.__table__, Item.__table__
    one = sa.select(sa.literal(1).label("one")).subquery("one")
    stmt = sa.select(
        sa.select(stores.c.active).where(stores.c.id == store_id).scalar_subquery(),
        sa.select(stores.c.account_id).where(stores.c.id == store_id).scalar_subquery(),
        sa.exists().where(StoreKeeper.__table__.c.store_id == store_id,
                          StoreKeeper.__table__.c.user_id == sa.bindparam("keeper_id")),
        sa.select(users.c.active).where(users.c.id == resident_id).scalar_subquery(),
        sa.select(users.c.card_code).where(users.c.id == resident_id).scalar_subquery(),
        sa.select(Account.__table__.c.id).where(Account.__table__.c.user_id == resident_id).scalar_subquery(),
        sa.select(stores.c.name).where(stores.c.id == store_id).scalar_subquery(),
        *newest_version_columns(),  # the policy's gates, read here rather than in a statement of their own
        items.c.id, items.c.store_id, items.c.name, items.c.price, items.c.active, items.c.monthly_limit,
    ).select_from(one.outerjoin(items, items.c.id.in_(sa.bindparam("item_ids", expanding=True))))
    _context_statement.append(stmt)
    return stmt


def counter_context(store_id, resident_id, keeper_id: int, item_ids=()) -> CounterContext:
    """Store, keeper check, resident, their account and the items asked for in ONE query, remembered for the request."""
    store_id = store_id if is_int(store_id) else 0
    resident_id = resident_id if is_int(resident_id) else 0
    memo = g.setdefault("counter_contexts", {}) if has_request_context() else {}  # one request, one answer
    if (store_id, resident_id, keeper_id) in memo:
        return memo[(store_id, resident_id, keeper_id)]
    wanted = sorted({i for i in item_ids if is_int(i) and i > 0})
    rows = db.session.execute(_counter_statement(), {
        "store_id": store_id, "resident_id": resident_id, "keeper_id": keeper_id, "item_ids": wanted}).all()
    row = rows[0]
    prime(row[7], row[8])
    context = CounterContext(store_exists=row[0] is not None, store_active=bool(row[0]), store_account_id=row[1],
                             is_keeper=bool(row[2]), resident_active=None if row[3] is None else bool(row[3]),
                             resident_card=row[4], resident_account_id=row[5], store_name=row[6],
                             item_ids=frozenset(wanted), items={r[9]: tuple(r[9:]) for r in rows if r[9] is not None})
    memo[(store_id, resident_id, keeper_id)] = context
    return context


def basket_item_ids(lines) -> list[int]:
    """The item ids a basket names (objects or dicts with item_id), for the counter's one query; junk skipped."""
    if not isinstance(lines, (list, tuple)):
        return []
    ids = (line.get("item_id") if isinstance(line, dict) else getattr(line, "item_id", None) for line in lines[:MAX_LINES])
    return [i for i in ids if is_int(i) and i > 0]


def require_counter(store_id, resident_id, actor, item_ids=()) -> CounterContext:
    """Forbidden unless actor keeps the store (an unknown store is left to validation) and serves someone else."""
    if actor is None:
        raise Forbidden()  # a redemption is always served by a person at the counter
    if not is_int(store_id):
        if not actor.has_role("store_keeper"):
            raise Forbidden()
        return counter_context(store_id, resident_id, actor.id, item_ids)
    context = counter_context(store_id, resident_id, actor.id, item_ids)
    if not context.is_keeper and (context.store_exists or not actor.has_role("store_keeper")):
        raise Forbidden()
    if is_int(resident_id) and resident_id == actor.id:
        raise Forbidden(gettext("Nobody redeems for themselves: another keeper or an admin serves you."))
    return context


def check_proxy(req: RedeemRequest, keeper, errors: dict) -> str | None:
    """The proxy's name when the request names one of the resident's open proxies; else a field error."""
    if req.proxy_id is None:
        return None
    if req.proxy_id == keeper.id:
        raise Forbidden(gettext("A keeper cannot present a card as proxy at their own counter; "
                                "another keeper serves you."))
    name = open_proxy_name(req.resident_id, req.proxy_id)
    if name is None:
        errors["proxy_id"] = gettext("This person is not a proxy of the resident.")
    return name


def usage_month(moment) -> str:
    """The Shanghai calendar month a redemption counts toward, as stored in item_month_usage."""
    return f"{aware(moment).astimezone(SHANGHAI):%Y-%m}"


def is_int(value) -> bool:
    """A real whole number (bools are not) that fits the 32-bit id and count columns.

    PostgreSQL refuses a larger parameter for an integer column outright ("integer out of
    range", a 500), so anything bigger is treated as unknown before it reaches a query.
    """
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_DB_INT


def clean_text(value, *, max_length: int, required: bool) -> tuple[str, str | None]:
    """(stripped text, None) when acceptable, else ("", message)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        return "", gettext("Must be text.")
    value = value.strip()
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        return "", gettext("Contains characters that are not allowed.")
    if required and not value:
        return "", gettext("This field is required.")
    if len(value) > max_length:
        return "", gettext("At most %(n)s characters.", n=max_length)
    return value, None


def keeps_store(user_id: int | None, store_id: int) -> bool:
    """True when the person is a keeper of that store."""
    if user_id is None:
        return False
    return db.session.execute(
        sa.select(StoreKeeper.user_id).where(StoreKeeper.store_id == store_id, StoreKeeper.user_id == user_id)
    ).first() is not None


def is_admin(actor) -> bool:
    return actor is None or actor.has_role("admin")


def require_store_manager(store_id: int, actor) -> None:
    """Admins and keepers of the store manage its catalogue and stock; others get Forbidden."""
    if is_admin(actor):
        return
    if not actor.has_role("store_keeper") or not keeps_store(actor.id, store_id):
        raise Forbidden()


def require_keeper(store_id, actor) -> None:
    """Only a keeper of the store serves at its counter; an admin who is not one gets Forbidden.

    A keeper naming a store that does not exist is told so by validation (422) instead.
    """
    if actor is None:
        raise Forbidden()  # a redemption is always served by a person at the counter
    if not is_int(store_id):
        if not actor.has_role("store_keeper"):
            raise Forbidden()
        return
    if keeps_store(actor.id, store_id):
        return
    if db.session.get(Store, store_id) is None and actor.has_role("store_keeper"):
        return  # reported as an unknown store_id (422)
    raise Forbidden()


def get_item(item_id) -> Item:
    """The item, or NotFound."""
    item = db.session.get(Item, item_id) if is_int(item_id) and item_id > 0 else None
    if item is None:
        raise NotFound()
    return item


def item_snapshot(item: Item) -> dict:
    """What the audit trail records about an item."""
    return {
        "store_id": item.store_id, "name": item.name, "category": item.category, "price": item.price,
        "stock": item.stock, "active": item.active, "monthly_limit": item.monthly_limit, "photo": item.photo,
    }
