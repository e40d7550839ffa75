"""verify_store(): the store's books agree with themselves and with the ledger."""

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from extensions import db
from points.ledger_models import Account, Transfer
from redemption.models import Item, Redemption, RedemptionLine, StockMovement, Store

LIMIT = 20  # problems reported per check; one is enough to fail, a few help to diagnose


def verify_store() -> list[str]:
    """Every disagreement found (empty = all agree): stock vs movements, totals vs lines and transfers, voids."""
    problems: list[str] = []
    for check in (_stock, _totals, _transfers, _voids, _movements_per_line):
        problems.extend(check())
    return problems


def _rows(stmt):
    return db.session.execute(stmt.limit(LIMIT)).all()


def _stock() -> list[str]:
    moved = (sa.select(StockMovement.item_id, sa.func.sum(StockMovement.delta).label("total"))
             .group_by(StockMovement.item_id).subquery())
    total = sa.func.coalesce(moved.c.total, 0)
    rows = _rows(sa.select(Item.id, Item.stock, total).outerjoin(moved, moved.c.item_id == Item.id)
                 .where(sa.or_(Item.stock != total, Item.stock < 0)).order_by(Item.id))
    problems = [f"item {i}: stock {stock} but its movements sum to {summed}" for i, stock, summed in rows
                if stock != summed]
    problems += [f"item {i}: negative stock {stock}" for i, stock, _ in rows if stock < 0]
    return problems


def _totals() -> list[str]:
    lines = (sa.select(RedemptionLine.redemption_id, sa.func.sum(RedemptionLine.line_points).label("points"))
             .group_by(RedemptionLine.redemption_id).subquery())
    summed = sa.func.coalesce(lines.c.points, 0)
    rows = _rows(sa.select(Redemption.id, Redemption.total_points, summed)
                 .outerjoin(lines, lines.c.redemption_id == Redemption.id)
                 .where(Redemption.total_points != summed).order_by(Redemption.id))
    return [f"redemption {r}: total {t} but its lines sum to {s}" for r, t, s in rows]


def _transfers() -> list[str]:
    resident = aliased(Account)
    rows = _rows(
        sa.select(Redemption.id, Redemption.total_points, Transfer.id, Transfer.amount)
        .join(Store, Store.id == Redemption.store_id)
        .outerjoin(Transfer, Transfer.id == Redemption.transfer_id)
        .outerjoin(resident, resident.user_id == Redemption.resident_id)
        .where(sa.or_(
            Transfer.id.is_(None), Transfer.amount != Redemption.total_points, Transfer.kind != "redemption",
            Transfer.source_id != Redemption.id, Transfer.credit_account_id != Store.account_id,
            resident.id.is_(None), Transfer.debit_account_id != resident.id,
        )).order_by(Redemption.id))
    problems = []
    for rid, total, tid, amount in rows:
        if tid is None:
            problems.append(f"redemption {rid}: has no transfer")
        elif amount != total:
            problems.append(f"redemption {rid}: total {total} but transfer {tid} moved {amount}")
        else:
            problems.append(f"redemption {rid}: transfer {tid} does not pay from the resident to its store")
    return problems


def _voids() -> list[str]:
    rows = _rows(
        sa.select(Redemption.id, Redemption.status, Redemption.void_transfer_id)
        .outerjoin(Transfer, Transfer.id == Redemption.void_transfer_id)
        .where(sa.or_(
            sa.and_(Redemption.status == "voided", sa.or_(
                Transfer.id.is_(None), Transfer.reverses_id.is_distinct_from(Redemption.transfer_id),
                Transfer.amount != Redemption.total_points)),
            sa.and_(Redemption.status != "voided", Redemption.void_transfer_id.is_not(None)),
        )).order_by(Redemption.id))
    problems = []
    for rid, status, void_tid in rows:
        if status == "voided":
            problems.append(f"redemption {rid}: voided but has no matching reversal (transfer {void_tid})")
        else:
            problems.append(f"redemption {rid}: not voided but points to reversal {void_tid}")
    reversed_ids = (sa.select(Transfer.reverses_id).where(Transfer.reverses_id.is_not(None))
                    .where(Transfer.source_type == "redemption"))
    rows = _rows(sa.select(Redemption.id).where(Redemption.status == "completed",
                                                Redemption.transfer_id.in_(reversed_ids)).order_by(Redemption.id))
    problems += [f"redemption {rid}: its transfer was reversed but it is not voided" for (rid,) in rows]
    return problems


def _movements_per_line() -> list[str]:
    """Each line is matched by a redemption movement (−quantity) and, once voided, a void movement (+quantity)."""
    moved = (sa.select(StockMovement.redemption_id, StockMovement.item_id, StockMovement.kind,
                       sa.func.sum(StockMovement.delta).label("delta"))
             .where(StockMovement.redemption_id.is_not(None))
             .group_by(StockMovement.redemption_id, StockMovement.item_id, StockMovement.kind).subquery())
    lines = (sa.select(RedemptionLine.redemption_id, RedemptionLine.item_id,
                       sa.func.sum(RedemptionLine.quantity).label("quantity"))
             .group_by(RedemptionLine.redemption_id, RedemptionLine.item_id).subquery())
    problems = []
    for kind, sign, applies in (("redemption", -1, sa.true()), ("void", 1, Redemption.status == "voided")):
        m = moved
        found = sa.func.coalesce(m.c.delta, 0)
        expected = sa.case((applies, sign * lines.c.quantity), else_=0)
        rows = _rows(
            sa.select(lines.c.redemption_id, lines.c.item_id, expected, found)
            .join(Redemption, Redemption.id == lines.c.redemption_id)
            .outerjoin(m, sa.and_(m.c.redemption_id == lines.c.redemption_id, m.c.item_id == lines.c.item_id,
                                  m.c.kind == kind))
            .where(found != expected).order_by(lines.c.redemption_id))
        problems += [f"redemption {r}, item {i}: {kind} movements {f} but expected {e}" for r, i, e, f in rows]
    return problems
