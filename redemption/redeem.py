"""Redemptions: one atomic act of limits, stock, points, lines and audit; voids undo one."""


import sqlalchemy as sa
from flask_babel import gettext

from accounts.models import User
from audit import service as audit
from core.db import is_postgres, run_write
from core.errors import (
    AlreadyVoided,
    Forbidden,
    IdempotencyConflict,
    InsufficientPoints,
    MonthlyLimitExceeded,
    NotFound,
    OutOfStock,
    ValidationFailed,
    VoidWindowClosed,
)
from core.timeutil import shanghai_date, shanghai_month_bounds, shanghai_today, utcnow
from extensions import db
from points import ledger
from points.ledger_models import Account, Transfer
from redemption.models import Item, Redemption, RedemptionLine, StockMovement, Store
from redemption.requests import (
    MAX_LINES,
    MAX_QUANTITY,
    RedeemRequest,
    clean_text,
    is_int,
    keeps_store,
    require_keeper,
)


def receipt_number(redemption_id: int, moment) -> str:
    """DH + Shanghai yyyymmdd + - + zero-padded id, e.g. DH20260501-000042."""
    return f"DH{shanghai_date(moment):%Y%m%d}-{redemption_id:06d}"


def _month_used(resident_id: int, item_ids: list[int]) -> dict[int, int]:
    """Quantities of each item the resident took this Shanghai month (voided redemptions excluded)."""
    start, end = shanghai_month_bounds(shanghai_today())
    rows = db.session.execute(
        sa.select(RedemptionLine.item_id, sa.func.sum(RedemptionLine.quantity))
        .join(Redemption, Redemption.id == RedemptionLine.redemption_id)
        .where(Redemption.resident_id == resident_id, Redemption.status == "completed",
               Redemption.created_at >= start, Redemption.created_at < end,
               RedemptionLine.item_id.in_(item_ids))
        .group_by(RedemptionLine.item_id)
    ).all()
    return {item_id: int(total) for item_id, total in rows}


def monthly_allowance(resident_id: int, item_ids: list[int]) -> dict[int, int | None]:
    """How many more of each item the resident may take this month; None where no limit applies."""
    ids = [i for i in dict.fromkeys(item_ids) if is_int(i)]
    if not ids:
        return {}
    limits = dict(db.session.execute(sa.select(Item.id, Item.monthly_limit).where(Item.id.in_(ids))).all())
    used = _month_used(resident_id, [i for i, limit in limits.items() if limit is not None] or [0])
    return {i: (None if limits[i] is None else max(0, limits[i] - used.get(i, 0))) for i in ids if i in limits}


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


def _load_priced_lines(store_id: int, merged: dict[int, int], first_line: dict[int, int]) -> list[dict]:
    items = {i.id: i for i in db.session.execute(sa.select(Item).where(Item.id.in_(list(merged)))).scalars()}
    errors, priced = {}, []
    for item_id in sorted(merged):
        item = items.get(item_id)
        field = f"lines[{first_line[item_id]}].item_id"
        if item is None or item.store_id != store_id:
            errors[field] = gettext("No such item in this store.")
        elif not item.active:
            errors[field] = gettext("%(name)s is not available.", name=item.name)
        else:
            priced.append({"item_id": item_id, "name": item.name, "quantity": merged[item_id],
                           "unit_price": item.price, "limit": item.monthly_limit})
    if errors:
        raise ValidationFailed(errors)
    return priced


def redeem(req: RedeemRequest, keeper) -> Redemption:
    """Take stock, check monthly limits, debit the resident and record everything, all or nothing.

    Refusals inside the write, in the API's order: OutOfStock, MonthlyLimitExceeded,
    InsufficientPoints; raising rolls the whole attempt back. The same key with the same
    request returns the first redemption unchanged.
    """
    require_keeper(req.store_id, keeper)
    errors = {}
    store = db.session.get(Store, req.store_id) if is_int(req.store_id) else None
    if store is None or not store.active:
        errors["store_id"] = gettext("No such store.")
    resident = db.session.get(User, req.resident_id) if is_int(req.resident_id) else None
    if resident is None or not resident.active:
        errors["resident_id"] = gettext("No such resident.")
    if not isinstance(req.key, str) or not 1 <= len(req.key) <= 300:
        raise ValueError("redeem needs an idempotency key")
    try:
        merged, first_line = _merge_lines(req)
    except ValidationFailed as e:
        raise ValidationFailed({**errors, **e.fields}) from None
    if errors:
        raise ValidationFailed(errors)
    body_hash = ledger.request_hash({"store_id": store.id, "resident_id": resident.id,
                                     "lines": sorted(merged.items())})
    if (replay := _redemption_replay(req.key, body_hash)) is not None:
        return replay
    priced = _load_priced_lines(store.id, merged, first_line)
    total = sum(p["quantity"] * p["unit_price"] for p in priced)
    store_id, store_account, resident_id, keeper_id = store.id, store.account_id, resident.id, keeper.id
    limited = [p for p in priced if p["limit"] is not None]

    resident_account = db.session.execute(
        sa.select(Account.id).where(Account.user_id == resident_id)).scalar_one_or_none()
    attempts = []

    def work() -> Redemption:
        attempts.append(1)
        if len(attempts) > 1 and (replay := _redemption_replay(req.key, body_hash)) is not None:
            return replay  # a retry after a concurrent twin with the same key won the race
        _lock_accounts(resident_account, store_account)
        stock_after = {}
        for p in priced:  # item-id order, so concurrent baskets cannot deadlock
            stock_after[p["item_id"]] = db.session.execute(
                sa.update(Item).where(Item.id == p["item_id"], Item.stock >= p["quantity"])
                .values(stock=Item.stock - p["quantity"]).returning(Item.stock)
                .execution_options(synchronize_session=False)
            ).scalar_one_or_none()
            if stock_after[p["item_id"]] is None:
                raise OutOfStock(gettext("Not enough stock of %(name)s.", name=p["name"]))
        if limited:
            used = _month_used(resident_id, [p["item_id"] for p in limited])
            for p in limited:
                if used.get(p["item_id"], 0) + p["quantity"] > p["limit"]:
                    raise MonthlyLimitExceeded(gettext(
                        "%(name)s is limited to %(limit)s a month; %(left)s left this month.",
                        name=p["name"], limit=p["limit"], left=max(0, p["limit"] - used.get(p["item_id"], 0))))
        redemption = Redemption(store_id=store_id, resident_id=resident_id, keeper_id=keeper_id,
                                total_points=total, balance_after=0, created_at=utcnow(),
                                found_by=req.found_by)  # shim: write engineer
        db.session.add(redemption)
        db.session.flush()
        redemption.number = receipt_number(redemption.id, redemption.created_at)
        if resident_account is None:  # never credited: nothing to spend
            raise InsufficientPoints()
        transfer = ledger.post(ledger.Posting(
            req.key, body_hash, resident_account, store_account, total, "redemption", keeper_id,
            memo=redemption.number, source_type="redemption", source_id=redemption.id))
        redemption.transfer_id = transfer.id
        redemption.balance_after = transfer.debit_balance_after  # the resident's balance after the debit
        for p in priced:
            db.session.add(RedemptionLine(
                redemption_id=redemption.id, item_id=p["item_id"], item_name=p["name"], quantity=p["quantity"],
                unit_price=p["unit_price"], line_points=p["quantity"] * p["unit_price"]))
            db.session.add(StockMovement(
                item_id=p["item_id"], delta=-p["quantity"], kind="redemption", redemption_id=redemption.id,
                actor_id=keeper_id, stock_after=stock_after[p["item_id"]]))
        audit.record("redemption.created", actor=keeper_id, subject=redemption, after={
            "number": redemption.number, "store_id": store_id, "resident_id": resident_id, "total_points": total,
            "lines": [[p["item_id"], p["quantity"], p["unit_price"]] for p in priced],
        })
        return redemption

    return run_write(work)


def _redemption_replay(key: str, body_hash: str) -> Redemption | None:
    transfer = ledger.find_replay(key, body_hash)
    if transfer is None:
        return None
    if transfer.source_type != "redemption":
        raise IdempotencyConflict()
    return db.session.get(Redemption, transfer.source_id)


def _lock_accounts(*account_ids: int | None) -> None:
    """PostgreSQL: lock the accounts first, by id, then items (SQLite's BEGIN IMMEDIATE already serialises)."""
    account_ids = tuple(a for a in account_ids if a is not None)
    if is_postgres():
        db.session.execute(
            sa.select(Account.id).where(Account.id.in_(account_ids)).order_by(Account.id).with_for_update()
        ).all()


def check_can_void(redemption: Redemption, actor) -> None:
    """Forbidden unless admin or a keeper of its store; VoidWindowClosed for a keeper after its day."""
    if actor is None or actor.has_role("admin"):
        return
    if not (actor.has_role("store_keeper") and keeps_store(actor.id, redemption.store_id)):
        raise Forbidden()
    if shanghai_date(redemption.created_at) != shanghai_today():
        raise VoidWindowClosed()


def void_redemption(redemption_id: int, reason: str, actor, key: str | None = None) -> Redemption:
    """Undo a redemption once: points back to the resident, stock back to the shelf.

    A keeper of its store may void on the same Shanghai calendar day; an admin any time.
    """
    redemption = db.session.get(Redemption, redemption_id) if is_int(redemption_id) else None
    if redemption is None:
        raise NotFound()
    check_can_void(redemption, actor)
    reason, problem = clean_text(reason, max_length=500, required=True)
    if problem:
        raise ValidationFailed({"reason": problem})
    natural = f"void:{redemption.id}"
    explicit = key is not None and key != natural
    if redemption.status == "voided":
        return _void_replay(redemption, key, reason) if explicit else _raise_already_voided()
    actor_id = getattr(actor, "id", None)
    rid, transfer_id, store_id = redemption.id, redemption.transfer_id, redemption.store_id
    store_account = db.session.get(Store, store_id).account_id
    lines = [(line.item_id, line.quantity) for line in sorted(redemption.lines, key=lambda line: line.item_id)]
    resident_id = redemption.resident_id

    def work() -> Redemption:
        _lock_accounts(ledger.user_account_id(resident_id), store_account)
        now = utcnow()
        claimed = db.session.execute(
            sa.update(Redemption).where(Redemption.id == rid, Redemption.status == "completed")
            .values(status="voided", voided_at=now, voided_by_id=actor_id, void_reason=reason)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            current = db.session.get(Redemption, rid)
            return _void_replay(current, key, reason) if explicit else _raise_already_voided()
        reversal = ledger.reverse(transfer_id, key=key if explicit else natural, actor_id=actor_id,
                                  memo=f"void: {reason}")
        for item_id, quantity in lines:
            stock_after = db.session.execute(
                sa.update(Item).where(Item.id == item_id).values(stock=Item.stock + quantity)
                .returning(Item.stock).execution_options(synchronize_session=False)
            ).scalar_one()
            db.session.add(StockMovement(item_id=item_id, delta=quantity, kind="void", redemption_id=rid,
                                         reason=reason, actor_id=actor_id, stock_after=stock_after))
        db.session.execute(sa.update(Redemption).where(Redemption.id == rid)
                           .values(void_transfer_id=reversal.id).execution_options(synchronize_session=False))
        audit.record("redemption.voided", actor=actor_id, subject_type="redemptions", subject_id=rid,
                     before={"status": "completed"},
                     after={"status": "voided", "reason": reason, "reversal_id": reversal.id})
        return db.session.get(Redemption, rid)

    result = run_write(work)
    db.session.refresh(result)
    return result


def _raise_already_voided():
    raise AlreadyVoided()


def _void_replay(redemption: Redemption, key: str, reason: str) -> Redemption:
    """A retried void under the same explicit key answers the first void; another use conflicts."""
    reversal = db.session.get(Transfer, redemption.void_transfer_id) if redemption.void_transfer_id else None
    if reversal is None or reversal.idempotency_key != key:
        raise AlreadyVoided()
    if redemption.void_reason != reason:
        raise IdempotencyConflict()
    return redemption
