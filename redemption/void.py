"""Voids: undo a redemption once, points and stock back, its month's usage given back."""

import sqlalchemy as sa

from audit import service as audit
from core.db import insert_rows, run_write
from core.errors import (
    AlreadyVoided,
    Forbidden,
    IdempotencyConflict,
    NotFound,
    ValidationFailed,
    VoidWindowClosed,
)
from core.timeutil import shanghai_date, shanghai_today, utcnow
from extensions import db
from notifications.services import notify
from points import ledger
from points.ledger_models import Transfer
from redemption import gates
from redemption.models import Item, ItemMonthUsage, Redemption, RedemptionLine, StockMovement
from redemption.requests import clean_text, is_int, keeps_store, usage_month


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
    The write claims the row first (status completed → voided, so a twin void changes
    nothing), then items, usage rows and accounts in the same order as a redemption.
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
    rid, transfer_id, resident_id = redemption.id, redemption.transfer_id, redemption.resident_id
    number, total = redemption.number, redemption.total_points
    month, created_at = usage_month(redemption.created_at), redemption.created_at
    lines = db.session.execute(
        sa.select(RedemptionLine.item_id, RedemptionLine.quantity)
        .where(RedemptionLine.redemption_id == rid).order_by(RedemptionLine.item_id)
    ).all()

    def work() -> Redemption:
        now = utcnow()
        claimed = db.session.execute(
            sa.update(Redemption).where(Redemption.id == rid, Redemption.status == "completed")
            .values(status="voided", voided_at=now, voided_by_id=actor_id, void_reason=reason)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            current = db.session.get(Redemption, rid)
            return _void_replay(current, key, reason) if explicit else _raise_already_voided()
        gates.give_back(resident_id, created_at)  # before items: the redemption's lock order
        movements = []
        for item_id, quantity in lines:  # item-id order, as redemptions take them
            stock_after = db.session.execute(
                sa.update(Item).where(Item.id == item_id).values(stock=Item.stock + quantity)
                .returning(Item.stock).execution_options(synchronize_session=False)
            ).scalar_one()
            movements.append({"item_id": item_id, "delta": quantity, "kind": "void", "redemption_id": rid,
                              "reason": reason, "actor_id": actor_id, "stock_after": stock_after, "created_at": now})
            db.session.execute(
                sa.update(ItemMonthUsage)
                .where(ItemMonthUsage.resident_id == resident_id, ItemMonthUsage.item_id == item_id,
                       ItemMonthUsage.month == month, ItemMonthUsage.quantity >= quantity)
                .values(quantity=ItemMonthUsage.quantity - quantity).execution_options(synchronize_session=False)
            )
        reversal = ledger.reverse(transfer_id, key=key if explicit else natural, actor_id=actor_id,
                                  memo=f"void: {reason}")
        db.session.execute(sa.update(Redemption).where(Redemption.id == rid)
                           .values(void_transfer_id=reversal.id).execution_options(synchronize_session=False))
        insert_rows(StockMovement.__table__, movements)
        notify(resident_id, "void", number=number, points=total, reason=reason)
        audit.record("redemption.voided", actor=actor_id, subject_type="redemptions", subject_id=rid,
                     before={"status": "completed"},
                     after={"status": "voided", "reason": reason, "reversal_id": reversal.id})
        return rid

    result = run_write(work)
    if isinstance(result, Redemption):
        return result
    voided = db.session.get(Redemption, result)
    db.session.refresh(voided)
    return voided


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
