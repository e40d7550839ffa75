"""Kept aggregates for the reports, written in the same transaction as the change they count.

Periods are integers so one column serves every breakdown: a service month is YYYYMM
(202612), a year is YYYY (2026), all time is 0. Dimensions (`dim`): total, team, category,
community, grid; `group_id` is the team/community/grid id (0 for total, category and "none"),
`category` the activity's category text (empty for the other dimensions).
"""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db

ALL_TIME = 0


class HoursStat(db.Model):
    """Approved hours of one period in one group: sums, record count, distinct volunteers."""

    __tablename__ = "stats_hours"

    period: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    dim: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    group_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    category: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    minutes: Mapped[int] = mapped_column(sa.BigInteger)
    points: Mapped[int] = mapped_column(sa.BigInteger)
    records: Mapped[int]
    volunteers: Mapped[int]


class HoursPresence(db.Model):
    """One volunteer's approved hours in one period and group.

    `volunteers` in HoursStat counts the rows here with records > 0, kept exact by
    adjusting it whenever a row goes from 0 to more or back. The `total` rows double as
    the honour roll: the rank index reads a year's top volunteers without aggregating.
    """

    __tablename__ = "stats_presence"
    __table_args__ = (
        sa.Index("ix_stats_presence_rank", "period", "dim", "minutes", "volunteer_id"),
    )

    period: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    dim: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    group_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    category: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    minutes: Mapped[int] = mapped_column(sa.BigInteger)
    points: Mapped[int] = mapped_column(sa.BigInteger)
    records: Mapped[int]


class VolunteerStat(db.Model):
    """A volunteer's latest approved service day, for the "active volunteers" count."""

    __tablename__ = "stats_volunteers"

    volunteer_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_day: Mapped[date | None] = mapped_column(sa.Date, index=True)


class LedgerStat(db.Model):
    """Points posted per Shanghai posting month and kind; reversals keep their original's kind.

    flow: "out" from the issuing account, "in" back to it, "" between others. Each month and
    kind is spread over SLOTS rows (transfer id modulo SLOTS), so concurrent postings on
    PostgreSQL do not queue behind one row lock; readers sum the slots.
    """

    __tablename__ = "stats_ledger"

    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    reverses_kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    flow: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    slot: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    transfers: Mapped[int]


class ResidentCount(db.Model):
    """One row (id=1): active people holding the resident role.

    Kept by database triggers on user_roles and users.active (migration 0006), so it changes
    in the same transaction as any role grant, removal or (de)activation, whoever writes it.
    """

    __tablename__ = "stats_residents"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    residents: Mapped[int] = mapped_column(sa.BigInteger)


class EarnedStat(db.Model):
    """Points a resident account has earned: credited from the issuer by hours, commendations and
    positive adjustments, minus their reversals. Kept by the posting hook; star levels read it."""

    __tablename__ = "stats_earned"

    account_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    points: Mapped[int] = mapped_column(sa.BigInteger)
