"""Redemptions: plan (validate, load, price; no lock) → write (conditional statements only) → answer.

The write takes, in this order and nothing else: the policy's gates (the quarter guard row,
redemption.gates), stock per item (UPDATE … WHERE stock >= q),
the monthly usage rows (an upsert that only adds while quantity + q <= the limit), the ledger
(conditional debit, credit, transfer), the redemption row with its number, one multi-row
insert each for lines and movements; the audit event is appended last by run_write. Items
then accounts then the audit head: the same order as voids, so writers cannot deadlock.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext

from accounts.cards import normalise_card_code
from audit import service as audit
from core.api import replay_already_checked
from core.db import dialect_insert, insert_rows, is_postgres, run_write
from core.errors import (
    IdempotencyConflict,
    InsufficientPoints,
    MonthlyLimitExceeded,
    OutOfStock,
    QuarterLimitExceeded,
    StarRequired,
    StoreClosedToday,
    ValidationFailed,
)
from core.timeutil import shanghai_date, shanghai_today, utcnow
from extensions import db
from notifications.services import notify
from points import ledger
from redemption import gates
from redemption.models import Item, ItemMonthUsage, Redemption, RedemptionLine, StockMovement
from redemption.requests import (
    MAX_LINES,
    MAX_QUANTITY,
    CounterContext,
    RedeemRequest,
    basket_item_ids,
    check_proxy,
    is_int,
    require_counter,
    usage_month,
)
from redemption.void import check_can_void, void_redemption  # noqa: F401  (their old import path)


def receipt_number(redemption_id: int, moment) -> str:
    """DH + Shanghai yyyymmdd + - + zero-padded id, e.g. DH20260501-000042."""
    return f"DH{shanghai_date(moment):%Y%m%d}-{redemption_id:06d}"


def monthly_allowance(resident_id: int, item_ids: list[int]) -> dict[int, int | None]:
    """How many more of each item the resident may take this month; None where no limit applies."""
    ids = [i for i in dict.fromkeys(item_ids) if is_int(i)]
    if not ids:
        return {}
    month = f"{shanghai_today():%Y-%m}"
    rows = db.session.execute(
        sa.select(Item.id, Item.monthly_limit, ItemMonthUsage.quantity)
        .outerjoin(ItemMonthUsage, sa.and_(ItemMonthUsage.item_id == Item.id,
                                           ItemMonthUsage.resident_id == resident_id, ItemMonthUsage.month == month))
        .where(Item.id.in_(ids))
    ).all()
    return {i: (None if limit is None else max(0, limit - (used or 0))) for i, limit, used in rows}


@dataclass(frozen=True)
class ReceiptLine:
    item_id: int
    item_name: str
    quantity: int
    unit_price: int
    line_points: int


@dataclass(frozen=True)
class Receipt:
    """What a redemption wrote, answered without reading it back."""

    id: int
    number: str
    store_id: int
    resident_id: int
    keeper_id: int
    total_points: int
    balance_after: int
    created_at: datetime
    found_by: str
    lines: tuple[ReceiptLine, ...]
    status: str = "completed"
    voided_at: datetime | None = None
    void_reason: str | None = None
    proxy_id: int | None = None


@dataclass(frozen=True)
class Plan:
    key: str
    body_hash: str
    store_id: int
    store_account_id: int
    resident_id: int
    resident_account_id: int | None
    keeper_id: int
    found_by: str
    lines: tuple[ReceiptLine, ...]  # item-id order
    limits: dict[int, int | None]
    total: int
    store_name: str = ""
    proxy_id: int | None = None
    proxy_name: str | None = None


def _merge_lines(req: RedeemRequest) -> tuple[dict[int, int], dict[int, int]]:
    """(item_id → quantity with duplicate lines merged, item_id → its first line number); ValidationFailed naming each bad line."""
    errors, merged, first_line = {}, {}, {}
    lines = req.lines if isinstance(req.lines, (list, tuple)) else None
    if not lines or len(lines) > MAX_LINES:
        raise ValidationFailed({"lines": gettext("Give from 1 to %(max)s lines.", max=MAX_LINES)})
    for n, line in enumerate(lines):
        item_id, quantity = getattr(line, "item_id", None), getattr(line, "quantity", None)
        if not is_int(item_id) or item_id < 1:
            errors[f"lines[{n}].item_id"] = gettext("Must be an item id.")
        if not is_int(quantity) or not 1 <= quantity <= MAX_QUANTITY:
            errors[f"lines[{n}].quantity"] = gettext("Must be a whole number from %(min)s to %(max)s.",
                                                     min=1, max=MAX_QUANTITY)
        if f"lines[{n}].item_id" in errors or f"lines[{n}].quantity" in errors:
            continue
        first_line.setdefault(item_id, n)
        merged[item_id] = merged.get(item_id, 0) + quantity
        if merged[item_id] > MAX_QUANTITY:
            errors[f"lines[{n}].quantity"] = gettext("At most %(max)s of one item.", max=MAX_QUANTITY)
    if errors:
        raise ValidationFailed(errors)
    return merged, first_line


_ITEMS = sa.select(Item.__table__.c.id, Item.__table__.c.store_id, Item.__table__.c.name, Item.__table__.c.price,
                   Item.__table__.c.active, Item.__table__.c.monthly_limit
                   ).where(Item.__table__.c.id.in_(sa.bindparam("ids", expanding=True)))


def _price(store_id: int, merged: dict[int, int], first_line: dict[int, int], known: CounterContext | None = None):
    """(lines in item-id order, item → monthly limit); the counter's context read the items already,
    else one query for every item of the basket."""
    if known is not None and known.item_ids.issuperset(merged):
        items = known.items
    else:
        items = {row[0]: row for row in db.session.execute(_ITEMS, {"ids": list(merged)})}
    errors, lines, limits = {}, [], {}
    for item_id in sorted(merged):
        item = items.get(item_id)
        field = f"lines[{first_line[item_id]}].item_id"
        if item is None or item[1] != store_id:
            errors[field] = gettext("No such item in this store.")
        elif not item[4]:
            errors[field] = gettext("%(name)s is not available.", name=item[2])
        else:
            quantity, price = merged[item_id], item[3]
            lines.append(ReceiptLine(item_id, item[2], quantity, price, quantity * price))
            limits[item_id] = item[5]
    if errors:
        raise ValidationFailed(errors)
    return tuple(lines), limits


def plan_redemption(req: RedeemRequest, keeper) -> Plan:
    """Validate, load (store, keeper, resident and account in one query; items in another) and price."""
    context = require_counter(req.store_id, req.resident_id, keeper, basket_item_ids(req.lines))
    errors = {}
    if not context.store_active:
        errors["store_id"] = gettext("No such store.")
    if not context.resident_active:
        errors["resident_id"] = gettext("No such resident.")
    found_by = req.found_by if req.found_by in ("card", "search") else "search"
    if req.card_code is not None and not errors:
        if normalise_card_code(req.card_code) is None or normalise_card_code(req.card_code) != context.resident_card:
            errors["card_code"] = gettext("This card does not belong to the resident.")
        found_by = "card"
    if not isinstance(req.key, str) or not 1 <= len(req.key) <= 300:
        raise ValueError("redeem needs an idempotency key")
    proxy_name = check_proxy(req, keeper, errors)
    try:
        merged, first_line = _merge_lines(req)
    except ValidationFailed as e:
        raise ValidationFailed({**errors, **e.fields}) from None
    if errors:
        raise ValidationFailed(errors)
    lines, limits = _price(req.store_id, merged, first_line, context)
    hashed = {"store_id": req.store_id, "resident_id": req.resident_id, "lines": sorted(merged.items())}
    if req.proxy_id is not None:
        hashed["proxy_id"] = req.proxy_id
    return Plan(req.key, ledger.request_hash(hashed), req.store_id, context.store_account_id, req.resident_id,
                context.resident_account_id, keeper.id, found_by, lines, limits,
                sum(line.line_points for line in lines), context.store_name or "",
                req.proxy_id if proxy_name is not None else None, proxy_name)


def redeem(req: RedeemRequest, keeper) -> Receipt | Redemption:
    """Take stock, count monthly limits, debit the resident and record everything, all or nothing.

    Refusals inside the write, in the API's order: the policy's gates (StoreClosedToday,
    StarRequired, QuarterLimitExceeded), OutOfStock, MonthlyLimitExceeded, InsufficientPoints; raising rolls the whole attempt back. The same key with the same
    request returns the first redemption unchanged.
    """
    plan = plan_redemption(req, keeper)
    # Through the API the remembered answer, written with the redemption, was already looked up.
    if not replay_already_checked(plan.key) and (replay := _redemption_replay(plan.key, plan.body_hash)):
        return replay
    attempts = []

    def work():
        attempts.append(1)
        if len(attempts) > 1 and (replay := _redemption_replay(plan.key, plan.body_hash)) is not None:
            return replay  # a retry after a concurrent twin with the same key won the race
        return write_redemption(plan)

    try:
        return run_write(work)
    except (StoreClosedToday, StarRequired, QuarterLimitExceeded, OutOfStock, MonthlyLimitExceeded,
            InsufficientPoints):
        # A twin with the same key may have committed while this one waited: then this is a retry
        # of a redemption that happened, and it answers like the first (the refusal rolled back).
        if (replay := _redemption_replay(plan.key, plan.body_hash)) is not None:
            return replay
        raise


_items = Item.__table__
_usage = ItemMonthUsage.__table__
_write_statements: dict[tuple, sa.Executable] = {}


def _built(name: str, build):
    """A write statement built once per database (constructing one cost more than running it)."""
    key = (name, db.session.get_bind().dialect.name)
    stmt = _write_statements.get(key)
    if stmt is None:
        stmt = _write_statements[key] = build()
    return stmt


def _next_redemption_id():
    """The id the redemption will take, read in the write's first statement (ids are known before the insert)."""
    if is_postgres():
        return sa.func.nextval(sa.func.pg_get_serial_sequence("redemptions", "id"))
    # SQLite: BEGIN IMMEDIATE holds the write lock, so nobody else can take max(id) + 1 meanwhile.
    return sa.select(sa.func.coalesce(sa.func.max(Redemption.__table__.c.id), 0) + 1).scalar_subquery()


def _stock_statement(first: bool):
    stmt = (sa.update(_items).where(_items.c.id == sa.bindparam("item_id"), _items.c.stock >= sa.bindparam("q"))
            .values(stock=_items.c.stock - sa.bindparam("q")))
    return stmt.returning(_items.c.stock, _next_redemption_id()) if first else stmt.returning(_items.c.stock)


def _take_stock(plan: Plan) -> tuple[dict[int, int], int]:
    """One conditional decrement per item, in id order: (item → stock after, the redemption's id)."""
    stock_after, redemption_id = {}, None
    connection = db.session.connection()
    for line in plan.lines:
        first = redemption_id is None
        stmt = _built(f"stock{first}", lambda first=first: _stock_statement(first))
        row = connection.execute(stmt, {"item_id": line.item_id, "q": line.quantity}).first()
        if row is None:
            raise OutOfStock(gettext("Not enough stock of %(name)s.", name=line.item_name))
        stock_after[line.item_id] = row[0]
        if first:
            redemption_id = row[1]
    return stock_after, redemption_id


def _one_usage_statement():
    """One basket line's monthly count: adds while the quantity stays within :cap (NULL: no limit)."""
    stmt = dialect_insert(_usage)
    cap = sa.bindparam("cap", type_=sa.Integer)
    return stmt.on_conflict_do_update(
        index_elements=[_usage.c.resident_id, _usage.c.item_id, _usage.c.month],
        set_={"quantity": _usage.c.quantity + stmt.excluded.quantity},
        where=sa.or_(cap.is_(None), _usage.c.quantity + stmt.excluded.quantity <= cap),
    ).returning(_usage.c.item_id)


def _usage_statement(plan: Plan, rows: list[dict]):
    """Many lines: the limits the plan read, per item of the conflicting row (a subquery naming `excluded`
    would cross-join the whole table on both databases). Unlimited items always count."""
    stmt = dialect_insert(_usage).values(rows)
    limited = [(_usage.c.item_id == item_id, cap) for item_id, cap in sorted(plan.limits.items()) if cap is not None]
    allowed = None
    if limited:
        cap = sa.case(*limited, else_=sa.null())
        allowed = sa.or_(cap.is_(None), _usage.c.quantity + stmt.excluded.quantity <= cap)
    return stmt.on_conflict_do_update(
        index_elements=[_usage.c.resident_id, _usage.c.item_id, _usage.c.month],
        set_={"quantity": _usage.c.quantity + stmt.excluded.quantity},
        where=allowed,
    ).returning(_usage.c.item_id)


def _count_monthly(plan: Plan, month: str) -> None:
    """Add the basket to the resident's month, refused by the database past an item's limit."""
    for line in plan.lines:
        limit = plan.limits[line.item_id]
        if limit is not None and line.quantity > limit:
            raise _limit_refusal(line, limit, used=0)
    rows = [{"resident_id": plan.resident_id, "item_id": line.item_id, "month": month, "quantity": line.quantity}
            for line in plan.lines]
    if len(rows) == 1:
        counted = set(db.session.connection().execute(
            _built("usage", _one_usage_statement), {**rows[0], "cap": plan.limits[rows[0]["item_id"]]}).scalars())
    else:
        counted = set(db.session.execute(_usage_statement(plan, rows)).scalars())
    for line in plan.lines:
        if line.item_id not in counted:
            used = db.session.execute(sa.select(_usage.c.quantity).where(
                _usage.c.resident_id == plan.resident_id, _usage.c.item_id == line.item_id,
                _usage.c.month == month)).scalar_one()
            raise _limit_refusal(line, plan.limits[line.item_id] or 0, used)


def _limit_refusal(line: ReceiptLine, limit: int, used: int) -> MonthlyLimitExceeded:
    return MonthlyLimitExceeded(gettext(
        "%(name)s is limited to %(limit)s a month; %(left)s left this month.",
        name=line.item_name, limit=limit, left=max(0, limit - used)))


_INSERT_REDEMPTION = sa.insert(Redemption.__table__)
# PostgreSQL: the redemption, its lines and its stock movements in ONE statement (the children read the
# parent's id from the first CTE, so the foreign keys hold; arrays carry one element per line).
_INSERT_RECORD_PG = sa.text("""
WITH r AS (
  INSERT INTO redemptions (id, number, store_id, resident_id, keeper_id, total_points, balance_after, status,
                           transfer_id, created_at, found_by, proxy_id)
  VALUES (:id, :number, :store_id, :resident_id, :keeper_id, :total_points, :balance_after, 'completed',
          :transfer_id, :created_at, :found_by, :proxy_id)
  RETURNING id
), l AS (
  INSERT INTO redemption_lines (redemption_id, item_id, item_name, quantity, unit_price, line_points)
  SELECT r.id, u.item_id, u.item_name, u.quantity, u.unit_price, u.line_points
  FROM r, unnest(CAST(:item_ids AS INTEGER[]), CAST(:names AS TEXT[]), CAST(:quantities AS INTEGER[]),
                 CAST(:prices AS INTEGER[]), CAST(:points AS INTEGER[]))
          WITH ORDINALITY AS u(item_id, item_name, quantity, unit_price, line_points, n)
  ORDER BY u.n
)
INSERT INTO stock_movements (item_id, delta, kind, reason, redemption_id, actor_id, stock_after, created_at)
SELECT u.item_id, -u.quantity, 'redemption', '', r.id, CAST(:keeper_id AS INTEGER), u.stock_after,
       CAST(:created_at AS TIMESTAMPTZ)
FROM r, unnest(CAST(:item_ids AS INTEGER[]), CAST(:quantities AS INTEGER[]), CAST(:stocks AS INTEGER[]))
        WITH ORDINALITY AS u(item_id, quantity, stock_after, n)
ORDER BY u.n
""")


def _record(plan: Plan, redemption_id: int, number: str, transfer, now, stock_after: dict[int, int]) -> None:
    """The redemption row, its lines and its movements: one statement on PostgreSQL, three on SQLite."""
    head = dict(id=redemption_id, number=number, store_id=plan.store_id, resident_id=plan.resident_id,
                keeper_id=plan.keeper_id, total_points=plan.total, balance_after=transfer.debit_balance_after,
                transfer_id=transfer.id, created_at=now, found_by=plan.found_by, proxy_id=plan.proxy_id)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_INSERT_RECORD_PG, {
            **head, "item_ids": [line.item_id for line in plan.lines],
            "names": [line.item_name for line in plan.lines], "quantities": [line.quantity for line in plan.lines],
            "prices": [line.unit_price for line in plan.lines], "points": [line.line_points for line in plan.lines],
            "stocks": [stock_after[line.item_id] for line in plan.lines]})
        return
    connection.execute(_INSERT_REDEMPTION, {**head, "status": "completed"})
    insert_rows(RedemptionLine.__table__, [
        {"redemption_id": redemption_id, "item_id": line.item_id, "item_name": line.item_name,
         "quantity": line.quantity, "unit_price": line.unit_price, "line_points": line.line_points}
        for line in plan.lines])
    insert_rows(StockMovement.__table__, [
        {"item_id": line.item_id, "delta": -line.quantity, "kind": "redemption", "reason": "",
         "redemption_id": redemption_id, "actor_id": plan.keeper_id, "stock_after": stock_after[line.item_id],
         "created_at": now} for line in plan.lines])


def write_redemption(plan: Plan) -> Receipt:
    """The write: statements only, the answer built from what they returned."""
    now = utcnow()
    gates.enforce_gates(plan.resident_id, now)  # first: the quarter row, then items, then accounts (as voids)
    stock_after, redemption_id = _take_stock(plan)
    _count_monthly(plan, usage_month(now))
    if plan.resident_account_id is None:  # never credited: nothing to spend
        raise InsufficientPoints()
    number = receipt_number(redemption_id, now)
    transfer = ledger.post(ledger.Posting(
        plan.key, plan.body_hash, plan.resident_account_id, plan.store_account_id, plan.total, "redemption",
        plan.keeper_id, memo=number, source_type="redemption", source_id=redemption_id))
    _record(plan, redemption_id, number, transfer, now, stock_after)
    notify(plan.resident_id, "redemption", points=plan.total, store=plan.store_name, number=number,
           balance=transfer.debit_balance_after)
    audit.record("redemption.created", actor=plan.keeper_id, subject_type="redemptions", subject_id=redemption_id,
                 after={"number": number, "store_id": plan.store_id, "resident_id": plan.resident_id,
                        "total_points": plan.total, "found_by": plan.found_by,
                        **({"proxy_id": plan.proxy_id, "proxy_name": plan.proxy_name} if plan.proxy_id else {}),
                        "lines": [[line.item_id, line.quantity, line.unit_price] for line in plan.lines]})
    return Receipt(redemption_id, number, plan.store_id, plan.resident_id, plan.keeper_id, plan.total,
                   transfer.debit_balance_after, now, plan.found_by, plan.lines, proxy_id=plan.proxy_id)


def _redemption_replay(key: str, body_hash: str) -> Redemption | None:
    transfer = ledger.find_replay(key, body_hash)
    if transfer is None:
        return None
    if transfer.source_type != "redemption":
        raise IdempotencyConflict()
    return db.session.get(Redemption, transfer.source_id)

