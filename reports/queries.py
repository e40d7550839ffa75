"""Read-only report queries. Every figure is aggregated in SQL (GROUP BY), none row by row.

Months and years are Asia/Shanghai calendar periods. Hours come from approved hour records
by service date; points from the ledger by posting time. Months are bucketed by comparing
against month boundaries computed in Python, which works the same on SQLite and PostgreSQL.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from accounts.models import Community, Grid, User, UserRole
from core.privacy import mask_name
from core.timeutil import shanghai_day_bounds, shanghai_month_bounds
from extensions import db
from points.ledger_models import ISSUER_ACCOUNT_ID, Account, Transfer
from points.models import Activity, HourRecord, Team
from redemption.models import Item, Store

LOW_STOCK = 5
ACTIVE_DAYS = 90
PERIODS = ("month", "year", "all")
BREAKDOWNS = ("team", "community", "grid", "category")


def hours(minutes: int | None) -> Decimal:
    """Minutes as hours with one decimal place (exact, half up)."""
    return (Decimal(int(minutes or 0)) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after day's month (negative goes back)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_days(period: str, today: date) -> tuple[date | None, date | None]:
    """Start (inclusive) and end (exclusive) calendar days of a period; (None, None) for all time."""
    if period == "month":
        return today.replace(day=1), add_months(today, 1)
    if period == "year":
        return date(today.year, 1, 1), date(today.year + 1, 1, 1)
    return None, None


def _approved(start: date | None, end: date | None) -> list:
    where = [HourRecord.status == "approved"]
    if start is not None:
        where.append(HourRecord.service_date >= start)
    if end is not None:
        where.append(HourRecord.service_date < end)
    return where


def residents_count() -> int:
    """Active people holding the resident role."""
    return db.session.execute(
        sa.select(sa.func.count(sa.distinct(User.id)))
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "resident", User.active.is_(True))
    ).scalar_one()


def active_volunteers(today: date) -> int:
    """People with approved hours served in the last ACTIVE_DAYS days (today included)."""
    return db.session.execute(
        sa.select(sa.func.count(sa.distinct(HourRecord.volunteer_id)))
        .where(*_approved(today - timedelta(days=ACTIVE_DAYS - 1), today + timedelta(days=1)))
    ).scalar_one()


def service_totals(start: date | None, end: date | None) -> dict:
    """Approved minutes, their points and distinct volunteers in [start, end)."""
    minutes, points, people = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(HourRecord.minutes), 0),
                  sa.func.coalesce(sa.func.sum(HourRecord.points), 0),
                  sa.func.count(sa.distinct(HourRecord.volunteer_id)))
        .where(*_approved(start, end))
    ).one()
    return {"minutes": int(minutes), "hours": hours(minutes), "points": int(points), "volunteers": people}


def _ledger_sums():
    """SUM columns: issued (net of reversals) and redeemed (net of voids), over Transfer t."""
    t, original = Transfer, aliased(Transfer)

    def total(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, t.amount), else_=0)), 0)

    issued = total(sa.and_(t.debit_account_id == ISSUER_ACCOUNT_ID, t.kind != "reversal")) - total(
        sa.and_(t.credit_account_id == ISSUER_ACCOUNT_ID, t.kind == "reversal"))
    redeemed = total(t.kind == "redemption") - total(sa.and_(t.kind == "reversal", original.kind == "redemption"))
    stmt = sa.select(issued.label("issued"), redeemed.label("redeemed")).select_from(t).outerjoin(
        original, original.id == t.reverses_id)
    return stmt, t


def ledger_totals() -> dict:
    """Points issued and redeemed (all time) and outstanding: what residents still hold to spend.

    The issuer's negative balance also counts points already paid into stores, so it
    is not what people mean by "outstanding"; the residents' balances are.
    """
    stmt, _ = _ledger_sums()
    issued, redeemed = db.session.execute(stmt).one()
    held = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Account.credits_posted - Account.debits_posted), 0))
        .where(Account.kind == "resident")
    ).scalar_one()
    return {"issued": int(issued), "redeemed": int(redeemed), "outstanding": int(held)}


def points_issued_in(start: date, end: date) -> int:
    """Net points issued between two Shanghai calendar days (end exclusive)."""
    stmt, t = _ledger_sums()
    start_at, end_at = shanghai_day_bounds(start)[0], shanghai_day_bounds(end)[0]
    issued, _ = db.session.execute(stmt.where(t.created_at >= start_at, t.created_at < end_at)).one()
    return int(issued)


def breakdown(kind: str, start: date | None, end: date | None) -> list[dict]:
    """Hours, points and volunteers by team, community, grid or category, biggest first."""
    volunteer = aliased(User)
    minutes = sa.func.sum(HourRecord.minutes)
    measures = [minutes.label("minutes"), sa.func.sum(HourRecord.points).label("points"),
                sa.func.count(sa.distinct(HourRecord.volunteer_id)).label("volunteers")]
    base = sa.select().select_from(HourRecord).where(*_approved(start, end))
    if kind == "team":
        stmt = base.add_columns(Team.name, sa.null(), *measures).join(
            Activity, Activity.id == HourRecord.activity_id).join(Team, Team.id == Activity.team_id
        ).group_by(Team.id, Team.name)
    elif kind == "category":
        stmt = base.add_columns(Activity.category, sa.null(), *measures).join(
            Activity, Activity.id == HourRecord.activity_id).group_by(Activity.category)
    elif kind == "community":
        stmt = base.add_columns(Community.name, sa.null(), *measures).join(
            volunteer, volunteer.id == HourRecord.volunteer_id).outerjoin(
            Community, Community.id == volunteer.community_id).group_by(Community.id, Community.name)
    elif kind == "grid":
        stmt = base.add_columns(Grid.name, Community.name, *measures).join(
            volunteer, volunteer.id == HourRecord.volunteer_id).outerjoin(
            Grid, Grid.id == volunteer.grid_id).outerjoin(Community, Community.id == Grid.community_id
        ).group_by(Grid.id, Grid.name, Community.name)
    else:
        raise ValueError(kind)
    rows = db.session.execute(stmt.order_by(minutes.desc())).all()
    return [{"name": name or "", "parent": parent or "", "minutes": int(m), "hours": hours(m),
             "points": int(p), "volunteers": v} for name, parent, m, p, v in rows]


def _bucket(column, bounds: list) -> sa.Case:
    """Index of the [bounds[i], bounds[i+1]) interval that column falls in."""
    return sa.case(*[(column < bound, i) for i, bound in enumerate(bounds[1:-1])], else_=len(bounds) - 2)


def monthly_trend(today: date, months: int = 12) -> list[dict]:
    """The last `months` Shanghai months: approved hours, points issued and points redeemed."""
    firsts = [add_months(today, -months + 1 + i) for i in range(months + 1)]
    moments = [shanghai_month_bounds(day)[0] for day in firsts]
    out = [{"month": day.strftime("%Y-%m"), "minutes": 0, "issued": 0, "redeemed": 0} for day in firsts[:-1]]

    served = sa.select(_bucket(HourRecord.service_date, firsts).label("b"), HourRecord.minutes.label("m")).where(
        *_approved(firsts[0], firsts[-1])).subquery()
    for bucket, minutes in db.session.execute(
            sa.select(served.c.b, sa.func.sum(served.c.m)).group_by(served.c.b)):
        out[bucket]["minutes"] = int(minutes)

    for issued, redeemed, bucket in db.session.execute(_ledger_by_month(moments)):
        out[bucket]["issued"], out[bucket]["redeemed"] = int(issued), int(redeemed)
    for row in out:
        row["hours"] = hours(row["minutes"])
    return out


def _ledger_by_month(moments: list) -> sa.Select:
    """(issued, redeemed, bucket) per month, both net of their reversals."""
    t, original = Transfer, aliased(Transfer)
    rows = sa.select(
        _bucket(t.created_at, moments).label("b"),
        sa.case((sa.and_(t.debit_account_id == ISSUER_ACCOUNT_ID, t.kind != "reversal"), t.amount),
                (sa.and_(t.credit_account_id == ISSUER_ACCOUNT_ID, t.kind == "reversal"), -t.amount),
                else_=0).label("issued"),
        sa.case((t.kind == "redemption", t.amount),
                (sa.and_(t.kind == "reversal", original.kind == "redemption"), -t.amount),
                else_=0).label("redeemed"),
    ).select_from(t).outerjoin(original, original.id == t.reverses_id).where(
        t.created_at >= moments[0], t.created_at < moments[-1]).subquery()
    return sa.select(sa.func.sum(rows.c.issued), sa.func.sum(rows.c.redeemed), rows.c.b).group_by(rows.c.b)


def low_stock(threshold: int = LOW_STOCK, limit: int = 100) -> list[dict]:
    """Active items of active stores with stock at or below threshold, emptiest first."""
    rows = db.session.execute(
        sa.select(Item.id, Item.name, Item.category, Item.stock, Store.name)
        .join(Store, Store.id == Item.store_id)
        .where(Item.active.is_(True), Store.active.is_(True), Item.stock <= threshold)
        .order_by(Item.stock, Store.name, Item.name).limit(limit)
    ).all()
    return [{"id": i, "name": n, "category": c or "", "stock": s, "store": st} for i, n, c, s, st in rows]


@dataclass(frozen=True)
class HonourEntry:
    rank: int
    masked_name: str
    community: str
    hours: Decimal


def honour_roll(start: date | None, end: date | None, limit: int = 10) -> list[HonourEntry]:
    """Top volunteers by approved hours; opted-out and inactive people left out; names masked."""
    minutes = sa.func.sum(HourRecord.minutes)
    rows = db.session.execute(
        sa.select(User.id, User.name, Community.name, minutes)
        .join(User, User.id == HourRecord.volunteer_id)
        .outerjoin(Community, Community.id == User.community_id)
        .where(*_approved(start, end), User.honour_roll_opt_out.is_(False), User.active.is_(True))
        .group_by(User.id, User.name, Community.name)
        .order_by(minutes.desc(), User.id).limit(limit)
    ).all()
    return [HonourEntry(rank, mask_name(name), community or "", hours(m))
            for rank, (_, name, community, m) in enumerate(rows, start=1)]
