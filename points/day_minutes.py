"""The 24-hour cap as a database guard: person_day_minutes, raised and lowered conditionally.

claim() is one upsert that changes no row when the day would pass 1440 minutes, so two
concurrent loggings for one person on one day (any teams, any server processes) can never
both slip under the cap; release() gives minutes back when a record leaves pending/approved.
"""

import sqlalchemy as sa

from core.db import run_write
from extensions import db
from points.guard_models import MINUTES_PER_DAY, PersonDayMinutes
from points.models import HourRecord

LIVE = ("pending", "approved")
TABLE = PersonDayMinutes.__table__


def _insert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(TABLE)


def claim(user_id: int, day, minutes: int) -> bool:
    """Add minutes to the person's day if the total stays within 1440; False (nothing changed) if not."""
    stmt = _insert().values(user_id=user_id, day=day, minutes=minutes)
    stmt = stmt.on_conflict_do_update(
        index_elements=[TABLE.c.user_id, TABLE.c.day],
        set_={"minutes": TABLE.c.minutes + stmt.excluded.minutes},
        where=TABLE.c.minutes + stmt.excluded.minutes <= MINUTES_PER_DAY,
    ).returning(TABLE.c.minutes)
    return db.session.execute(stmt).first() is not None


def release(user_id: int, day, minutes: int) -> None:
    """Give back a record's minutes when it is rejected or reversed (never below zero)."""
    db.session.execute(
        sa.update(TABLE).where(TABLE.c.user_id == user_id, TABLE.c.day == day, TABLE.c.minutes >= minutes)
        .values(minutes=TABLE.c.minutes - minutes)
    )


def live_minutes(user_id: int, day) -> int:
    """What the person has on that day now (a read for planning; the write re-checks)."""
    found = db.session.execute(
        sa.select(TABLE.c.minutes).where(TABLE.c.user_id == user_id, TABLE.c.day == day)
    ).scalar_one_or_none()
    return int(found or 0)


def _live_sums():
    return (sa.select(HourRecord.volunteer_id.label("user_id"), HourRecord.service_date.label("day"),
                      sa.func.sum(HourRecord.minutes).label("minutes"))
            .where(HourRecord.status.in_(LIVE))
            .group_by(HourRecord.volunteer_id, HourRecord.service_date))


def rebuild_day_minutes() -> int:
    """Recompute every row from the live hour records in two bulk statements; returns the rows written."""
    def work() -> int:
        db.session.execute(sa.delete(TABLE))
        sums = _live_sums()
        db.session.execute(sa.insert(TABLE).from_select(["user_id", "day", "minutes"], sums))
        return int(db.session.execute(sa.select(sa.func.count()).select_from(TABLE)).scalar_one())

    return run_write(work)


def verify_day_minutes(limit: int = 50) -> list[str]:
    """Problems found: a day whose guard row disagrees with its live hour records (empty list = all agree)."""
    sums = _live_sums().subquery()
    stored = sa.select(TABLE.c.user_id, TABLE.c.day, TABLE.c.minutes).subquery()
    joined = sums.outerjoin(stored, sa.and_(stored.c.user_id == sums.c.user_id, stored.c.day == sums.c.day))
    missing_or_wrong = (
        sa.select(sums.c.user_id, sums.c.day, sums.c.minutes, stored.c.minutes)
        .select_from(joined)
        .where(sa.or_(stored.c.minutes.is_(None), stored.c.minutes != sums.c.minutes))
    )
    reverse_join = stored.outerjoin(sums, sa.and_(stored.c.user_id == sums.c.user_id, stored.c.day == sums.c.day))
    stale = (
        sa.select(stored.c.user_id, stored.c.day, sa.literal(0), stored.c.minutes)
        .select_from(reverse_join)
        .where(sums.c.user_id.is_(None), stored.c.minutes != 0)
    )
    problems = []
    for stmt in (missing_or_wrong, stale):
        for user_id, day, expected, found in db.session.execute(stmt.limit(limit)):
            problems.append(
                f"person_day_minutes user {user_id} on {day}: {found or 0} minutes kept, "
                f"{expected} in pending and approved hour records")
    return problems[:limit]
