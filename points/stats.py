"""Kept report aggregates: hours by service month, year and all time; points by posting month.

Writers call hours_changed() inside the approval/reversal write and the ledger calls
ledger_posted() inside every post(), so the summaries change in the same transaction as
the rows they count. Each call is a few multi-row upserts whatever the number of deltas.
rebuild() recomputes everything from the base tables in bulk SQL; verify_stats() proves
the kept figures agree with a recomputation (points/stats_rebuild.py holds that SQL).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from accounts.models import User
from core.timeutil import shanghai_date
from extensions import db
from points import ledger
from points.ledger_models import ISSUER_ACCOUNT_ID, Account
from points.models import Activity, HourRecord
from points.stats_models import ALL_TIME, EarnedStat, HoursPresence, HoursStat, LedgerStat, VolunteerStat

DIMS = ("total", "team", "category", "community", "grid")
SLOTS = 16  # rows per month and kind in stats_ledger, spread by transfer id (see LedgerStat)
ROWS_PER_STATEMENT = 2000  # keeps a multi-row upsert under both databases' parameter limits


@dataclass(frozen=True)
class HoursDelta:
    volunteer_id: int
    activity_id: int
    service_date: date
    minutes: int
    points: int
    sign: int  # +1 when a record becomes approved, -1 when an approved record is reversed


def month_key(day: date) -> int:
    """The period number of a calendar month: YYYYMM."""
    return day.year * 100 + day.month


def periods_of(day: date) -> tuple[int, int, int]:
    """The month, the year and all time, as period numbers."""
    return month_key(day), day.year, ALL_TIME


def _insert(table: sa.Table):
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _add_on_conflict(table: sa.Table, rows: list[dict], keys: list[str], returning: bool = False):
    """INSERT rows; where the key exists already, add the non-key values to it.

    Sent as executemany, so the statement is compiled once and cached: with RETURNING SQLAlchemy
    turns it into multi-row upserts ("insertmanyvalues"), without it the driver's executemany.
    """
    if len(rows) > 1 and db.session.get_bind().dialect.name == "postgresql":
        return _add_on_conflict_arrays(table, rows, keys, returning)
    stmt = _insert(table)
    added = [name for name in rows[0] if name not in keys]
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={name: table.c[name] + stmt.excluded[name] for name in added})
    if returning:
        stmt = stmt.returning(*[table.c[name] for name in keys], table.c.records)
    if len(rows) == 1:
        return db.session.execute(stmt, rows[0])
    return db.session.execute(stmt, rows)


def _add_on_conflict_arrays(table: sa.Table, rows: list[dict], keys: list[str], returning: bool):
    """PostgreSQL: the same upsert with one array per column (unnest). Its text does not change with
    the number of rows, so psycopg parses it once, where a multi-row upsert of a new length is parsed
    anew each time (40 % of a bulk approval). The callers sum rows by key first, so keys are distinct."""
    dialect = db.session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    columns = list(rows[0])
    added = [name for name in columns if name not in keys]
    arrays = ", ".join(f"CAST(:c{i} AS {table.c[name].type.compile(dialect=dialect)}[])"
                       for i, name in enumerate(columns))
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) "
           f"SELECT * FROM unnest({arrays}) ON CONFLICT ({', '.join(quote(key) for key in keys)}) DO UPDATE SET "
           + ", ".join(f"{quote(name)} = {quote(table.name)}.{quote(name)} + EXCLUDED.{quote(name)}"
                       for name in added))
    if returning:
        sql += " RETURNING " + ", ".join(quote(key) for key in keys) + ", records"
    return db.session.execute(sa.text(sql), {f"c{i}": [row[name] for row in rows] for i, name in enumerate(columns)})


def _chunks(items: list, size: int = ROWS_PER_STATEMENT):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def hours_changed(deltas: list[HoursDelta]) -> None:
    """Add (sign +1) or take away (sign -1) approved records from every summary.

    Call inside the same run_write work() that changes the records' status.
    """
    if not deltas:
        return
    activity_ids = {d.activity_id for d in deltas}
    people_ids = {d.volunteer_id for d in deltas}
    activities = {row.id: (row.team_id, row.category or "") for row in db.session.execute(
        sa.select(Activity.id, Activity.team_id, Activity.category).where(Activity.id.in_(activity_ids)))}
    people = {row.id: (row.community_id or 0, row.grid_id or 0) for row in db.session.execute(
        sa.select(User.id, User.community_id, User.grid_id).where(User.id.in_(people_ids)))}

    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    presence: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for d in deltas:
        team_id, category = activities[d.activity_id]
        community_id, grid_id = people[d.volunteer_id]
        groups = (("total", 0, ""), ("team", team_id, ""), ("category", 0, category),
                  ("community", community_id, ""), ("grid", grid_id, ""))
        for period in periods_of(d.service_date):
            for dim, group_id, cat in groups:
                key = (period, dim, group_id, cat)
                for target in (sums[key], presence[(*key, d.volunteer_id)]):
                    target[0] += d.sign * d.minutes
                    target[1] += d.sign * d.points
                    target[2] += d.sign

    # Rows in key order, so two writers lock them in the same order (no deadlock on PostgreSQL).
    # Distinct volunteers: a presence row going from 0 records to more adds one, back to 0 removes one.
    joined: dict[tuple, int] = defaultdict(int)
    presence_keys = ["period", "dim", "group_id", "category", "volunteer_id"]
    rows = [{"period": k[0], "dim": k[1], "group_id": k[2], "category": k[3], "volunteer_id": k[4],
             "minutes": v[0], "points": v[1], "records": v[2]} for k, v in sorted(presence.items())]
    for chunk in _chunks(rows):
        for period, dim, group_id, cat, volunteer_id, records in _add_on_conflict(
                HoursPresence.__table__, chunk, presence_keys, returning=True):
            before = records - presence[(period, dim, group_id, cat, volunteer_id)][2]
            if before <= 0 < records:
                joined[(period, dim, group_id, cat)] += 1
            elif records <= 0 < before:
                joined[(period, dim, group_id, cat)] -= 1
    rows = [{"period": k[0], "dim": k[1], "group_id": k[2], "category": k[3], "minutes": v[0],
             "points": v[1], "records": v[2], "volunteers": joined.get(k, 0)} for k, v in sorted(sums.items())]
    for chunk in _chunks(rows):
        _add_on_conflict(HoursStat.__table__, chunk, ["period", "dim", "group_id", "category"])
    _track_last_days(deltas)


# PostgreSQL: one array per column, so the text does not change with the number of volunteers (parsed once).
_PG_LAST_DAYS = sa.text(
    "INSERT INTO stats_volunteers (volunteer_id, last_day) "
    "SELECT * FROM unnest(CAST(:volunteers AS INTEGER[]), CAST(:days AS DATE[])) "
    "ON CONFLICT (volunteer_id) DO UPDATE SET last_day = CASE WHEN stats_volunteers.last_day IS NULL "
    "OR EXCLUDED.last_day > stats_volunteers.last_day THEN EXCLUDED.last_day ELSE stats_volunteers.last_day END")


def _track_last_days(deltas: list[HoursDelta]) -> None:
    """Keep each volunteer's latest approved service day (for "active volunteers")."""
    table = VolunteerStat.__table__
    added: dict[int, date] = {}
    for d in deltas:
        if d.sign > 0 and (d.volunteer_id not in added or d.service_date > added[d.volunteer_id]):
            added[d.volunteer_id] = d.service_date
    if added and db.session.get_bind().dialect.name == "postgresql":
        volunteers = sorted(added)  # in key order, as the other summaries (no deadlock between writers)
        db.session.execute(_PG_LAST_DAYS, {"volunteers": volunteers, "days": [added[v] for v in volunteers]})
    elif added:
        stmt = _insert(table).values([{"volunteer_id": v, "last_day": day} for v, day in added.items()])
        later = sa.case((sa.or_(table.c.last_day.is_(None), stmt.excluded.last_day > table.c.last_day),
                         stmt.excluded.last_day), else_=table.c.last_day)
        db.session.execute(stmt.on_conflict_do_update(index_elements=["volunteer_id"], set_={"last_day": later}))
    taken: dict[int, set[int]] = defaultdict(set)
    for d in deltas:
        if d.sign < 0:
            taken[d.volunteer_id].add(d.activity_id)
    for volunteer_id, activity_ids in taken.items():
        # The reversed record is left out whether or not its status has changed yet.
        latest = db.session.execute(sa.select(sa.func.max(HourRecord.service_date)).where(
            HourRecord.volunteer_id == volunteer_id, HourRecord.status == "approved",
            HourRecord.activity_id.not_in(activity_ids))).scalar()
        if volunteer_id in added and (latest is None or added[volunteer_id] > latest):
            latest = added[volunteer_id]
        db.session.execute(sa.update(table).where(table.c.volunteer_id == volunteer_id).values(last_day=latest))


def ledger_posted(pairs: list, at: datetime) -> None:
    """The batch posting hook: add a batch's transfers to their posting month's rows (one upsert)."""
    month, rows = month_key(shanghai_date(at)), defaultdict(lambda: [0, 0])
    for posting, transfer_id in pairs:
        flow = ("out" if posting.debit_account_id == ISSUER_ACCOUNT_ID
                else "in" if posting.credit_account_id == ISSUER_ACCOUNT_ID else "")
        row = rows[(posting.kind, getattr(posting, "reverses_kind", None) or "", flow, transfer_id % SLOTS)]
        row[0] += posting.amount
        row[1] += 1
    _add_on_conflict(LedgerStat.__table__, [
        {"month": month, "kind": kind, "reverses_kind": reverses_kind, "flow": flow, "slot": slot,
         "amount": amount, "transfers": transfers}
        for (kind, reverses_kind, flow, slot), (amount, transfers) in sorted(rows.items())],
        ["month", "kind", "reverses_kind", "flow", "slot"])
    _count_earned(pairs)


EARN_KINDS = ("hours_award", "commendation", "adjustment")  # credited from the issuer: points earned


def _count_earned(pairs: list) -> None:
    """Points earned go up with an earning credit from the issuer and down with its reversal (one upsert)."""
    earned: dict[int, int] = defaultdict(int)
    for posting, _transfer_id in pairs:
        if posting.debit_account_id == ISSUER_ACCOUNT_ID and posting.kind in EARN_KINDS:
            earned[posting.credit_account_id] += posting.amount
        elif (posting.kind == "reversal" and posting.credit_account_id == ISSUER_ACCOUNT_ID
              and getattr(posting, "reverses_kind", None) in EARN_KINDS):
            earned[posting.debit_account_id] -= posting.amount
    if earned:
        _add_on_conflict(EarnedStat.__table__, [{"account_id": account_id, "points": amount}
                                                for account_id, amount in sorted(earned.items())], ["account_id"])


ledger.register_batch_posting_hook(ledger_posted)


def points_earned(user_id: int) -> int:
    """A person's points earned of all time, read from one kept row (never the balance)."""
    return int(db.session.execute(sa.select(EarnedStat.points).join(
        Account, Account.id == EarnedStat.account_id).where(
        Account.user_id == user_id)).scalar() or 0)


def service_minutes(volunteer_id: int) -> int:
    """A person's approved minutes of all time, read from one summary row."""
    return int(db.session.execute(sa.select(HoursPresence.minutes).where(
        HoursPresence.period == ALL_TIME, HoursPresence.dim == "total", HoursPresence.group_id == 0,
        HoursPresence.category == "", HoursPresence.volunteer_id == volunteer_id)).scalar() or 0)


def approved_count() -> int:
    """How many hour records are approved now (kept; the approvals pager needs no COUNT scan)."""
    return int(db.session.execute(sa.select(HoursStat.records).where(
        HoursStat.period == ALL_TIME, HoursStat.dim == "total", HoursStat.group_id == 0,
        HoursStat.category == "")).scalar() or 0)


def rebuild() -> None:
    """Recompute every summary from the base tables in bulk SQL, in one write transaction."""
    from core.db import run_write
    from points.stats_rebuild import rebuild_on

    run_write(lambda: rebuild_on(db.session.connection()), audited=False)


def verify_stats() -> list[str]:
    """Problems found by recomputing the summaries; [] when all agree."""
    from points.stats_rebuild import verify_on

    return verify_on(db.session.connection())
