"""Co-building units and their contacts, micro-wishes, needs lists and suggestions.

Every state lives in a `status` column guarded by a CHECK; transitions are conditional
UPDATEs (… WHERE status = 'published'), so two concurrent claims have exactly one winner.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from extensions import db

WISH_STATES = ("submitted", "published", "claimed", "fulfilled", "closed")
NEED_STATES = ("open", "claimed", "completed", "confirmed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Unit(db.Model):
    """A 共建单位 (an office, a company, a school) that claims needs through its contact people."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class UnitContact(db.Model):
    __tablename__ = "unit_contacts"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True, index=True)


class Wish(db.Model):
    """A 微心愿: submitted → published → claimed → fulfilled → closed."""

    __tablename__ = "wishes"
    __table_args__ = (
        sa.CheckConstraint(_in("status", WISH_STATES), name="known_status"),
        # Nobody claims their own wish, and a claimed (or later) wish always has its claimer.
        sa.CheckConstraint("claimer_id IS NULL OR claimer_id <> wisher_id", name="not_own_wish"),
        sa.CheckConstraint("(claimer_id IS NULL) = (status IN ('submitted', 'published'))",
                           name="claimer_when_claimed"),
        sa.Index("ix_wishes_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wisher_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    posted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id"))
    title: Mapped[str] = mapped_column(sa.String(100))
    details: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(12), default="submitted")
    claimer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    fulfil_note: Mapped[str | None] = mapped_column(sa.Text)
    commendation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("commendations.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    fulfilled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class Need(db.Model):
    """An item of a community's needs list: open → claimed (by a unit) → completed → confirmed."""

    __tablename__ = "needs"
    __table_args__ = (
        sa.CheckConstraint(_in("status", NEED_STATES), name="known_status"),
        sa.CheckConstraint("(unit_id IS NULL) = (status = 'open')", name="unit_when_claimed"),
        sa.Index("ix_needs_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    details: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(12), default="open")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    claimed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    completion_note: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class Suggestion(db.Model):
    """A 合理化建议 made by a resident (the first of a party member's "四个一")."""

    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
