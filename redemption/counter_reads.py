"""Reads for the counter's reports: the keeper's end-of-shift summary and redemptions found by search."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from accounts.cards import normalise_card_code
from core.errors import InvalidCard
from core.timeutil import shanghai_day_bounds
from extensions import db
from redemption.models import Redemption, RedemptionLine

_CARD_HOLDER: list[sa.Select] = []


def resident_for_card(raw_code: str) -> tuple[int, str, int]:
    """(id, name, balance) of the active person holding this card, in one statement built once;
    InvalidCard as accounts.services.find_by_card (malformed, bad check, unknown, inactive)."""
    code = normalise_card_code(raw_code)
    if code is None:
        raise InvalidCard()
    if not _CARD_HOLDER:
        from accounts.models import User
        from points.ledger_models import Account

        users, accounts = User.__table__, Account.__table__
        _CARD_HOLDER.append(
            sa.select(users.c.id, users.c.name,
                      sa.func.coalesce(accounts.c.credits_posted - accounts.c.debits_posted, 0))
            .select_from(users.outerjoin(accounts, accounts.c.user_id == users.c.id))
            .where(users.c.card_code == sa.bindparam("code"), users.c.active.is_(True)))
    found = db.session.execute(_CARD_HOLDER[0], {"code": code}).first()
    if found is None:
        raise InvalidCard()
    return found[0], found[1], int(found[2])


@dataclass
class ShiftReport:
    """One keeper's day at the counter (交班): what went out, what came back."""

    day: date
    redemptions: list = field(default_factory=list)  # every redemption they served that day, voided ones too
    voids: list = field(default_factory=list)  # redemptions they voided that day (of any day)
    goods: list = field(default_factory=list)  # (item name, quantity, points) of completed redemptions
    completed: int = 0
    points: int = 0
    voided_points: int = 0


def shift_report(keeper_id: int, day: date) -> ShiftReport:
    """Redemptions served by the keeper on a Shanghai day, goods out per item, and the voids they made."""
    start, end = shanghai_day_bounds(day)
    report = ShiftReport(day=day)
    report.redemptions = list(db.session.execute(
        sa.select(Redemption).where(Redemption.keeper_id == keeper_id, Redemption.created_at >= start,
                                    Redemption.created_at < end).order_by(Redemption.created_at, Redemption.id)
    ).scalars())
    done = [r for r in report.redemptions if r.status == "completed"]
    report.completed, report.points = len(done), sum(r.total_points for r in done)
    report.goods = [tuple(row) for row in db.session.execute(
        sa.select(RedemptionLine.item_name, sa.func.sum(RedemptionLine.quantity), sa.func.sum(RedemptionLine.line_points))
        .join(Redemption, Redemption.id == RedemptionLine.redemption_id)
        .where(Redemption.keeper_id == keeper_id, Redemption.status == "completed",
               Redemption.created_at >= start, Redemption.created_at < end)
        .group_by(RedemptionLine.item_name).order_by(RedemptionLine.item_name)
    ).all()]
    report.voids = list(db.session.execute(
        sa.select(Redemption).where(Redemption.voided_by_id == keeper_id, Redemption.voided_at >= start,
                                    Redemption.voided_at < end).order_by(Redemption.voided_at, Redemption.id)
    ).scalars())
    report.voided_points = sum(r.total_points for r in report.voids)
    return report


def found_by_search_query(store_id: int | None, since: date | None, until: date | None) -> sa.Select:
    """Redemptions whose resident was found by search, not a scanned card; newest first."""
    stmt = sa.select(Redemption).where(Redemption.found_by == "search")
    if store_id is not None:
        stmt = stmt.where(Redemption.store_id == store_id)
    if since is not None:
        stmt = stmt.where(Redemption.created_at >= shanghai_day_bounds(since)[0])
    if until is not None:
        stmt = stmt.where(Redemption.created_at < shanghai_day_bounds(until)[1])
    return stmt.order_by(Redemption.created_at.desc(), Redemption.id.desc())
