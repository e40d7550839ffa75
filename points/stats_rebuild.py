"""The bulk SQL behind stats.rebuild() (also run by migration 0006) and stats.verify_stats().

Both read the base tables (approved hour records, transfers) with GROUP BY, the same way
on SQLite and PostgreSQL; only the month-of-a-date expressions differ by dialect.
"""

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from accounts.models import User, UserRole
from points.ledger_models import ISSUER_ACCOUNT_ID, Transfer
from points.models import Activity, HourRecord
from points.stats_models import (
    ALL_TIME,
    EarnedStat,
    HoursPresence,
    HoursStat,
    LedgerStat,
    ResidentCount,
    VolunteerStat,
)

SLOTS = 16  # the same as points.stats.SLOTS (kept here so the migration needs no Flask app)
PROBLEM_LIMIT = 100


def _month_of_day(conn, column):
    if conn.dialect.name == "postgresql":
        return sa.cast(sa.func.to_char(column, "YYYYMM"), sa.Integer)
    return sa.cast(sa.func.strftime("%Y%m", column), sa.Integer)


def _shanghai_month_of_moment(conn, column):
    """Asia/Shanghai posting month; SQLite stores UTC text and Shanghai has had no DST since 1991."""
    if conn.dialect.name == "postgresql":
        return sa.cast(sa.func.to_char(sa.func.timezone("Asia/Shanghai", column), "YYYYMM"), sa.Integer)
    return sa.cast(sa.func.strftime("%Y%m", column, "+8 hours"), sa.Integer)


def _approved_base(conn) -> sa.Subquery:
    """One row per approved record: volunteer, service month, every group it counts in, sums."""
    return (
        sa.select(
            HourRecord.volunteer_id.label("volunteer_id"),
            _month_of_day(conn, HourRecord.service_date).label("month"),
            Activity.team_id.label("team"),
            sa.func.coalesce(Activity.category, "").label("category"),
            sa.func.coalesce(User.community_id, 0).label("community"),
            sa.func.coalesce(User.grid_id, 0).label("grid"),
            HourRecord.minutes.label("minutes"),
            HourRecord.points.label("points"),
        )
        .join(Activity, Activity.id == HourRecord.activity_id)
        .join(User, User.id == HourRecord.volunteer_id)
        .where(HourRecord.status == "approved")
        .subquery()
    )


def _group_columns(base, dim: str) -> tuple:
    """(group_id, category) expressions of base for one dimension."""
    zero, empty = sa.literal(0), sa.literal("")
    return {
        "total": (zero, empty), "team": (base.c.team, empty), "category": (zero, base.c.category),
        "community": (base.c.community, empty), "grid": (base.c.grid, empty),
    }[dim]


def _aggregate(keys: list, measures: list) -> sa.Select:
    """SELECT keys, measures GROUP BY the keys, grouping by label names.

    PostgreSQL with server-side parameters sees `to_char(x, $1)` in the select list and
    `to_char(x, $2)` in GROUP BY as different expressions; label names avoid that, and
    constant keys (literals) are left out of GROUP BY altogether.
    """
    labelled = [key.label(f"k{i}") for i, key in enumerate(keys)]
    grouped = [f"k{i}" for i, key in enumerate(keys) if not isinstance(key, sa.BindParameter)]
    return sa.select(*labelled, *measures).group_by(*grouped)


PRESENCE_COLUMNS = ["period", "dim", "group_id", "category", "volunteer_id", "minutes", "points", "records"]


def _residents_now():
    return (sa.select(sa.func.count()).select_from(UserRole).join(User, User.id == UserRole.user_id)
            .where(UserRole.role == "resident", User.active == sa.true()).scalar_subquery())


def rebuild_on(conn) -> None:
    """Empty the summaries and fill them again from the base tables."""
    # Migration 0006 runs this before 0012 creates stats_earned.
    earned = sa.inspect(conn).has_table(EarnedStat.__tablename__)
    for table in (HoursPresence, HoursStat, VolunteerStat, LedgerStat, ResidentCount) + ((EarnedStat,) if earned else ()):
        conn.execute(sa.delete(table.__table__))
    conn.execute(ResidentCount.__table__.insert().from_select(["id", "residents"], sa.select(
        sa.literal(1), _residents_now())))
    base = _approved_base(conn)
    presence = HoursPresence.__table__
    for dim in ("total", "team", "category", "community", "grid"):
        group_id, category = _group_columns(base, dim)
        conn.execute(presence.insert().from_select(PRESENCE_COLUMNS, _aggregate(
            [base.c.month, sa.literal(dim), group_id, category, base.c.volunteer_id],
            [sa.func.sum(base.c.minutes), sa.func.sum(base.c.points), sa.func.count()])))
    months = sa.select(presence).where(presence.c.period > 9999).subquery()
    for period in (months.c.period // 100, sa.literal(ALL_TIME)):  # years, then all time
        keys = (months.c.dim, months.c.group_id, months.c.category, months.c.volunteer_id)
        conn.execute(presence.insert().from_select(PRESENCE_COLUMNS, _aggregate(
            [period, *keys], [sa.func.sum(months.c.minutes), sa.func.sum(months.c.points),
                              sa.func.sum(months.c.records)])))
    p = presence.c
    conn.execute(HoursStat.__table__.insert().from_select(
        ["period", "dim", "group_id", "category", "minutes", "points", "records", "volunteers"],
        sa.select(p.period, p.dim, p.group_id, p.category, sa.func.sum(p.minutes), sa.func.sum(p.points),
                  sa.func.sum(p.records), sa.func.count()).group_by(p.period, p.dim, p.group_id, p.category)))
    conn.execute(VolunteerStat.__table__.insert().from_select(["volunteer_id", "last_day"], sa.select(
        HourRecord.volunteer_id, sa.func.max(HourRecord.service_date)
    ).where(HourRecord.status == "approved").group_by(HourRecord.volunteer_id)))
    conn.execute(LedgerStat.__table__.insert().from_select(
        ["month", "kind", "reverses_kind", "flow", "slot", "amount", "transfers"], _ledger_groups(conn, slots=True)))
    if earned:
        conn.execute(EarnedStat.__table__.insert().from_select(["account_id", "points"], _earned_groups()))


EARN_KINDS = ("hours_award", "commendation", "adjustment")  # the same as points.stats.EARN_KINDS


def _earned_groups() -> sa.Select:
    """Per account: earning credits from the issuer minus the reversals of those credits."""
    t, original = Transfer, aliased(Transfer)
    credits = sa.select(t.credit_account_id.label("account_id"), t.amount.label("points")).where(
        t.debit_account_id == ISSUER_ACCOUNT_ID, t.kind.in_(EARN_KINDS))
    taken_back = sa.select(t.debit_account_id, -t.amount).join(original, original.id == t.reverses_id).where(
        t.kind == "reversal", original.debit_account_id == ISSUER_ACCOUNT_ID, original.kind.in_(EARN_KINDS))
    both = sa.union_all(credits, taken_back).subquery()
    return sa.select(both.c.account_id, sa.func.sum(both.c.points)).group_by(both.c.account_id)


def _ledger_groups(conn, *, slots: bool) -> sa.Select:
    t, original = Transfer, aliased(Transfer)
    month = _shanghai_month_of_moment(conn, t.created_at)
    flow = sa.case((t.debit_account_id == ISSUER_ACCOUNT_ID, "out"),
                   (t.credit_account_id == ISSUER_ACCOUNT_ID, "in"), else_="")
    reverses_kind = sa.func.coalesce(original.kind, "")
    keys = [month, t.kind, reverses_kind, flow] + ([t.id % SLOTS] if slots else [])
    return _aggregate(keys, [sa.func.sum(t.amount), sa.func.count()]).select_from(t).outerjoin(
        original, original.id == t.reverses_id)


def _compare(what: str, expected: dict, kept: dict, problems: list[str]) -> None:
    """Report keys whose values differ; all-zero rows count as absent."""
    def live(rows):
        return {k: v for k, v in rows.items() if any(v)}
    expected, kept = live(expected), live(kept)
    for key in sorted(set(expected) | set(kept), key=repr):
        if expected.get(key) != kept.get(key):
            problems.append(f"{what} {key}: kept {kept.get(key)}, recomputed {expected.get(key)}")
            if len(problems) >= PROBLEM_LIMIT:
                return


def _all_groups(conn) -> sa.CompoundSelect:
    """Every (period, dim, group) aggregate of the approved records in one statement.

    The join of records, activities and people is computed once (a MATERIALIZED common table
    expression, on both databases) instead of once for each of the 15 groupings.
    """
    base = _approved_base(conn).element.cte("approved_base").prefix_with("MATERIALIZED")
    parts = []
    for period_of in (base.c.month, base.c.month // 100, sa.literal(ALL_TIME, sa.Integer)):
        for dim in ("total", "team", "category", "community", "grid"):
            group_id, category = _group_columns(base, dim)
            parts.append(_aggregate(
                [period_of, sa.literal(dim, sa.String), group_id, category],
                [sa.func.sum(base.c.minutes), sa.func.sum(base.c.points), sa.func.count(),
                 sa.func.count(sa.distinct(base.c.volunteer_id))]))
    return sa.union_all(*parts)


def verify_on(conn) -> list[str]:
    """Recompute every summary and list each disagreement in plain words."""
    problems: list[str] = []
    expected: dict = {}
    for period, dim, gid, cat, m, pts, n, people in conn.execute(_all_groups(conn)):
        expected[(int(period), dim, int(gid), cat)] = (int(m or 0), int(pts or 0), int(n), int(people))
    base = _approved_base(conn)
    h = HoursStat.__table__.c
    kept = {(r.period, r.dim, r.group_id, r.category): (int(r.minutes), int(r.points), r.records, r.volunteers)
            for r in conn.execute(sa.select(h.period, h.dim, h.group_id, h.category, h.minutes, h.points,
                                            h.records, h.volunteers))}
    _compare("hours summary", expected, kept, problems)

    p = HoursPresence.__table__.c
    from_presence = {(r[0], r[1], r[2], r[3]): (int(r[4]), int(r[5]), int(r[6]), int(r[7])) for r in conn.execute(
        sa.select(p.period, p.dim, p.group_id, p.category, sa.func.sum(p.minutes), sa.func.sum(p.points),
                  sa.func.sum(p.records), sa.func.sum(sa.case((p.records > 0, 1), else_=0)))
        .group_by(p.period, p.dim, p.group_id, p.category))}
    _compare("hours summary against its presence rows", from_presence, kept, problems)

    per_person = {(int(r[0]), int(r[1])): (int(r[2]),) for period_of in (base.c.month // 100, sa.literal(ALL_TIME))
                  for r in conn.execute(_aggregate([period_of, base.c.volunteer_id], [sa.func.sum(base.c.minutes)]))}
    kept_person = {(r.period, r.volunteer_id): (int(r.minutes),) for r in conn.execute(
        sa.select(p.period, p.volunteer_id, p.minutes).where(p.dim == "total", p.period < 10000))}
    _compare("volunteer's minutes (year or all time, 0)", per_person, kept_person, problems)

    last = {r[0]: (r[1],) for r in conn.execute(sa.select(HourRecord.volunteer_id, sa.func.max(
        HourRecord.service_date)).where(HourRecord.status == "approved").group_by(HourRecord.volunteer_id))}
    v = VolunteerStat.__table__.c
    _compare("volunteer's last service day", last,
             {r[0]: (r[1],) for r in conn.execute(sa.select(v.volunteer_id, v.last_day))}, problems)

    ledger_expected = {tuple(r[:4]): (int(r[4]), int(r[5])) for r in conn.execute(_ledger_groups(conn, slots=False))}
    s = LedgerStat.__table__.c
    ledger_kept = {tuple(r[:4]): (int(r[4]), int(r[5])) for r in conn.execute(
        sa.select(s.month, s.kind, s.reverses_kind, s.flow, sa.func.sum(s.amount), sa.func.sum(s.transfers))
        .group_by(s.month, s.kind, s.reverses_kind, s.flow))}
    _compare("points by posting month", ledger_expected, ledger_kept, problems)

    e = EarnedStat.__table__.c
    _compare("points earned by account", {r[0]: (int(r[1]),) for r in conn.execute(_earned_groups())},
             {r[0]: (int(r[1]),) for r in conn.execute(sa.select(e.account_id, e.points))}, problems)

    kept_residents = conn.execute(sa.select(ResidentCount.residents).where(ResidentCount.id == 1)).scalar()
    counted = conn.execute(sa.select(_residents_now())).scalar()
    if kept_residents != counted:
        problems.append(f"residents: kept {kept_residents}, counted {counted}")

    hours_points = kept.get((ALL_TIME, "total", 0, ""), (0, 0, 0, 0))[1]
    awarded = sum(a for (_, kind, rk, _), (a, _) in ledger_expected.items() if kind == "hours_award")
    taken_back = sum(a for (_, kind, rk, _), (a, _) in ledger_expected.items()
                     if kind == "reversal" and rk == "hours_award")
    if hours_points != awarded - taken_back:
        problems.append(f"approved hours carry {hours_points} points but the ledger credited "
                        f"{awarded - taken_back} for hours")
    return problems
