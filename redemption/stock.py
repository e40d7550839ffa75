"""Stock movements booked by people: donations, purchases and adjustments."""

import sqlalchemy as sa
from flask_babel import gettext

from audit import service as audit
from core.db import run_write
from core.errors import IdempotencyConflict, OutOfStock, ValidationFailed
from extensions import db
from points import ledger
from redemption.models import Item, StockMovement
from redemption.requests import (
    MAX_DELTA,
    MAX_STOCK,
    STOCK_KINDS,
    StockChange,
    clean_text,
    get_item,
    is_int,
    require_store_manager,
)


def _check_change(change: StockChange) -> tuple[str, str | None]:
    """(reason, donor) cleaned, or ValidationFailed listing every bad field."""
    errors = {}
    if change.kind not in STOCK_KINDS:
        errors["kind"] = gettext("Choose one of: %(kinds)s.", kinds=", ".join(STOCK_KINDS))
    if not is_int(change.delta) or change.delta == 0 or abs(change.delta) > MAX_DELTA:
        errors["delta"] = gettext("Must be a whole number from %(min)s to %(max)s, not 0.",
                                  min=-MAX_DELTA, max=MAX_DELTA)
    elif change.kind in ("donation", "purchase") and change.delta < 0:
        errors["delta"] = gettext("Donations and purchases add stock: the change must be positive.")
    reason, problem = clean_text(change.reason, max_length=500, required=change.kind == "adjustment")
    if problem:
        errors["reason"] = problem
    donor, problem = clean_text(change.donor, max_length=100, required=change.kind == "donation")
    if problem:
        errors["donor"] = problem
    if errors:
        raise ValidationFailed(errors)
    return reason, donor or None


def _movement_replay(key: str, body_hash: str) -> StockMovement | None:
    """The movement already booked under key; IdempotencyConflict when its request differed."""
    found = db.session.execute(
        sa.select(StockMovement).where(StockMovement.idempotency_key == key)
    ).scalar_one_or_none()
    if found is not None and found.request_hash != body_hash:
        raise IdempotencyConflict()
    return found


def move_stock(change: StockChange, actor) -> StockMovement:
    """Book stock in or out with a conditional update; stock never goes below zero (OutOfStock)."""
    item = get_item(change.item_id)
    require_store_manager(item.store_id, actor)
    reason, donor = _check_change(change)
    body_hash = ledger.request_hash({
        "item_id": item.id, "delta": change.delta, "kind": change.kind, "reason": reason, "donor": donor,
    })
    key = change.key
    if key is not None and (replay := _movement_replay(key, body_hash)) is not None:
        return replay
    actor_id = getattr(actor, "id", None)
    item_id, delta = item.id, change.delta

    def work() -> StockMovement:
        if key is not None and (replay := _movement_replay(key, body_hash)) is not None:
            return replay
        stmt = sa.update(Item).where(Item.id == item_id, Item.stock + delta >= 0)
        if delta > 0:
            stmt = stmt.where(Item.stock + delta <= MAX_STOCK)
        stock_after = db.session.execute(
            stmt.values(stock=Item.stock + delta).returning(Item.stock)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if stock_after is None:
            if delta > 0:
                raise ValidationFailed({"delta": gettext("Stock cannot exceed %(max)s.", max=MAX_STOCK)})
            raise OutOfStock()
        movement = StockMovement(
            item_id=item_id, delta=delta, kind=change.kind, reason=reason, donor=donor, actor_id=actor_id,
            idempotency_key=key, request_hash=body_hash if key else None, stock_after=stock_after,
        )
        db.session.add(movement)
        db.session.flush()
        audit.record("stock.moved", actor=actor_id, subject_type="items", subject_id=item_id, after={
            "movement_id": movement.id, "kind": change.kind, "delta": delta, "stock_after": stock_after,
            "reason": reason, "donor": donor,
        })
        return movement

    return run_write(work)
