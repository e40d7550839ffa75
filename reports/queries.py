"""Read-only report queries over the kept summaries (points/stats.py): no per-request
aggregation of hour records or transfers; each figure reads a bounded number of rows.

Months and years are Asia/Shanghai calendar periods. Hours AND the points they earned
count in the service month; commendations, adjustments and redemptions count in the month
they were posted (they have no service date). Periods are month, year or all time.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from accounts.models import Community, Grid, User
from core.paging import TOTAL, with_total
from core.privacy import mask_name
from extensions import db
from points import stars
from points.ledger_models import ISSUER_ACCOUNT_ID, Account
from points.models import Team
from points.stats import month_key
from points.stats_models import ALL_TIME, HoursPresence, HoursStat, LedgerStat, ResidentCount, VolunteerStat
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


def summary_period(start: date | None, end: date | None) -> int:
    """The summaries' period number of [start, end): a whole calendar month, year, or all time."""
    if start is None and end is None:
        return ALL_TIME
    if start is not None and start.day == 1 and end == add_months(start, 1):
        return month_key(start)
    if start is not None and (start.month, start.day) == (1, 1) and end == date(start.year + 1, 1, 1):
        return start.year
    raise ValueError("the summaries hold calendar months, years and all time only")


def _months_of(period: int) -> list:
    """Conditions on LedgerStat.month selecting the posting months of a period."""
    if period == ALL_TIME:
        return []
    if period < 10000:
        return [LedgerStat.month.between(period * 100 + 1, period * 100 + 12)]
    return [LedgerStat.month == period]


def _total_row(period: int):
    return db.session.execute(sa.select(HoursStat.minutes, HoursStat.points, HoursStat.volunteers).where(
        HoursStat.period == period, HoursStat.dim == "total", HoursStat.group_id == 0,
        HoursStat.category == "")).one_or_none() or (0, 0, 0)


def residents_count() -> int:
    """Active people holding the resident role: one row, kept by database triggers."""
    return int(db.session.execute(sa.select(ResidentCount.residents).where(ResidentCount.id == 1)).scalar() or 0)


def active_volunteers(today: date) -> int:
    """People whose latest approved service falls in the last ACTIVE_DAYS days (today included)."""
    return db.session.execute(sa.select(sa.func.count()).select_from(VolunteerStat).where(
        VolunteerStat.last_day >= today - timedelta(days=ACTIVE_DAYS - 1), VolunteerStat.last_day <= today,
    )).scalar_one()


def service_totals(start: date | None, end: date | None) -> dict:
    """Approved minutes, their points and distinct volunteers of a month, year or all time."""
    minutes, points, people = _total_row(summary_period(start, end))
    return {"minutes": int(minutes), "hours": hours(minutes), "points": int(points), "volunteers": int(people)}


def _ledger_sum(condition) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, LedgerStat.amount), else_=0)), 0)


S = LedgerStat
ISSUED = _ledger_sum(sa.and_(S.flow == "out", S.kind != "reversal")) - _ledger_sum(
    sa.and_(S.flow == "in", S.kind == "reversal"))
ISSUED_NOT_FOR_HOURS = _ledger_sum(sa.and_(S.flow == "out", S.kind.not_in(("reversal", "hours_award")))) - \
    _ledger_sum(sa.and_(S.flow == "in", S.kind == "reversal", S.reverses_kind != "hours_award"))
REDEEMED = _ledger_sum(S.kind == "redemption") - _ledger_sum(
    sa.and_(S.kind == "reversal", S.reverses_kind == "redemption"))


def ledger_totals() -> dict:
    """Points issued and redeemed (all time) and outstanding: what residents still hold to spend.

    Balances sum to zero, so what residents hold is minus what the issuer and the stores
    hold: one row per store, never a scan of every resident's account.
    """
    issued, redeemed = db.session.execute(sa.select(ISSUED, REDEEMED)).one()
    balance = sa.func.coalesce(sa.func.sum(Account.credits_posted - Account.debits_posted), 0)
    issuer = db.session.execute(sa.select(balance).where(Account.id == ISSUER_ACCOUNT_ID)).scalar_one()
    stores = db.session.execute(
        sa.select(balance).select_from(Store).join(Account, Account.id == Store.account_id)).scalar_one()
    return {"issued": int(issued), "redeemed": int(redeemed), "outstanding": -int(issuer) - int(stores)}


def points_issued_in(start: date, end: date) -> int:
    """Net points issued in a month or year: hours points by service month, the rest by posting month."""
    period = summary_period(start, end)
    other = db.session.execute(sa.select(ISSUED_NOT_FOR_HOURS).where(*_months_of(period))).scalar_one()
    return int(_total_row(period)[1]) + int(other)


def _names_joined(kind: str, stmt: sa.Select) -> sa.Select:
    """stmt with the group's (name, parent name) columns, joined on the summary's group id (no IN list)."""
    if kind == "category":
        return stmt.add_columns(HoursStat.category, sa.literal(""))
    if kind == "team":
        return stmt.outerjoin(Team, Team.id == HoursStat.group_id).add_columns(Team.name, sa.literal(""))
    if kind == "community":
        return stmt.outerjoin(Community, Community.id == HoursStat.group_id).add_columns(
            Community.name, sa.literal(""))
    return stmt.outerjoin(Grid, Grid.id == HoursStat.group_id).outerjoin(
        Community, Community.id == Grid.community_id).add_columns(Grid.name, Community.name)


def breakdown(kind: str, start: date | None, end: date | None) -> list[dict]:
    """Hours, points and volunteers by team, community, grid or category, biggest first, all of them."""
    return breakdown_top(kind, start, end, None)[0]


def breakdown_top(kind: str, start: date | None, end: date | None, limit: int | None) -> tuple[list[dict], int]:
    """The first `limit` groups (None: all) of breakdown() and how many there are in all.

    One statement: the names come by primary-key join, not by a second query with an IN list
    (a city has thousands of teams, and compiling the list cost more than reading the rows);
    the count of all groups rides along (core.paging.with_total).
    """
    if kind not in BREAKDOWNS:
        raise ValueError(kind)
    stmt = with_total(_names_joined(kind, sa.select(HoursStat.minutes, HoursStat.points, HoursStat.volunteers)
                                    .where(HoursStat.period == summary_period(start, end), HoursStat.dim == kind,
                                           HoursStat.records > 0)))
    rows = db.session.execute(
        stmt.order_by(HoursStat.minutes.desc(), HoursStat.group_id, HoursStat.category).limit(limit)).all()
    groups = [{"name": name or "", "parent": parent or "", "minutes": int(m), "hours": hours(m),
               "points": int(p), "volunteers": int(v)} for m, p, v, name, parent, _ in rows]
    return groups, int(rows[0]._mapping[TOTAL]) if rows else 0


def monthly_trend(today: date, months: int = 12) -> list[dict]:
    """The last `months` Shanghai months: approved hours, points issued and points redeemed."""
    firsts = [add_months(today, -months + 1 + i) for i in range(months)]
    keys = [month_key(day) for day in firsts]
    out = {key: {"month": day.strftime("%Y-%m"), "minutes": 0, "issued": 0, "redeemed": 0}
           for key, day in zip(keys, firsts, strict=True)}
    for period, minutes, points in db.session.execute(
            sa.select(HoursStat.period, HoursStat.minutes, HoursStat.points).where(
                HoursStat.period.in_(keys), HoursStat.dim == "total", HoursStat.group_id == 0,
                HoursStat.category == "")):
        out[period]["minutes"], out[period]["issued"] = int(minutes), int(points)
    for month, issued, redeemed in db.session.execute(
            sa.select(LedgerStat.month, ISSUED_NOT_FOR_HOURS, REDEEMED)
            .where(LedgerStat.month.between(keys[0], keys[-1])).group_by(LedgerStat.month)):
        if month in out:
            out[month]["issued"] += int(issued)
            out[month]["redeemed"] = int(redeemed)
    rows = list(out.values())
    for row in rows:
        row["hours"] = hours(row["minutes"])
    return rows


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
    star: int = 0  # the person's all-time star level (policy levels), not this period's


def honour_roll_stmt(period: int, limit: int) -> sa.Select:
    """Top volunteers of a period from the rank index; opted-out and inactive people skipped."""
    return (
        sa.select(User.id, User.name, Community.name, HoursPresence.minutes)
        .select_from(HoursPresence)
        .join(User, User.id == HoursPresence.volunteer_id)
        .outerjoin(Community, Community.id == User.community_id)
        .where(HoursPresence.period == period, HoursPresence.dim == "total", HoursPresence.minutes > 0,
               User.honour_roll_opt_out.is_(False), User.active.is_(True))
        .order_by(HoursPresence.minutes.desc(), HoursPresence.volunteer_id).limit(limit)
    )


def honour_roll(start: date | None, end: date | None, limit: int = 10) -> list[HonourEntry]:
    """Top volunteers by approved hours; opted-out and inactive people left out; names masked."""
    rows = db.session.execute(honour_roll_stmt(summary_period(start, end), limit)).all()
    levels = stars.stars_of([row[0] for row in rows])
    return [HonourEntry(rank, mask_name(name), community or "", hours(m), levels.get(user_id, 0))
            for rank, (user_id, name, community, m) in enumerate(rows, start=1)]
