"""Guard rows the database checks, so invariants hold without any global lock."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db

MINUTES_PER_DAY = 1440


class PersonDayMinutes(db.Model):
    """A person's pending + approved minutes on one Shanghai day, across all teams.

    Raised by a conditional upsert when hours are logged and lowered when a record leaves
    pending/approved; the CHECK makes the 24-hour cap a database fact.
    """

    __tablename__ = "person_day_minutes"
    __table_args__ = (sa.CheckConstraint(f"minutes BETWEEN 0 AND {MINUTES_PER_DAY}", name="minutes_range"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    minutes: Mapped[int] = mapped_column(default=0)
