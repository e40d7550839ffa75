"""Nominations (a commendation proposed, reviewed and publicly posted) and the objections to them.

The state machine lives in the database as well as in the services: a CHECK keeps the status
known and says which states carry a notice end date; nobody's nomination names themselves as
nominator. Transitions are conditional UPDATEs (… WHERE status = …), so two admins racing
cannot both decide.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from core.timeutil import utcnow
from extensions import db
from points.models import CommendationType

STATUSES = ("nominated", "in_notice", "objected", "rejected", "granted")
OPEN_TO_OBJECTION = ("in_notice", "objected")


class Nomination(db.Model):
    __tablename__ = "nominations"
    __table_args__ = (
        sa.CheckConstraint("status IN ('nominated', 'in_notice', 'objected', 'rejected', 'granted')",
                           name="known_status"),
        sa.CheckConstraint("status NOT IN ('in_notice', 'objected', 'granted') OR notice_ends IS NOT NULL",
                           name="posted_has_end"),
        sa.CheckConstraint("nominated_by_id IS NULL OR nominated_by_id <> user_id", name="not_self"),
        sa.CheckConstraint("points >= 0", name="points_nonnegative"),
        sa.Index("ix_nominations_status_notice_ends", "status", "notice_ends"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    type_id: Mapped[int] = mapped_column(sa.ForeignKey("commendation_types.id"))
    points: Mapped[int]  # the type's points when nominated: what the notice announces is what is granted
    reason: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(12), default="nominated")
    nominated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    review_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # The last day of the public notice (Shanghai calendar); close-notices grants from the day after.
    notice_ends: Mapped[date | None] = mapped_column(sa.Date)
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))  # rejected or granted
    commendation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("commendations.id"), unique=True)

    nominee: Mapped[User] = relationship(foreign_keys=[user_id])
    nominator: Mapped[User | None] = relationship(foreign_keys=[nominated_by_id])
    type: Mapped[CommendationType] = relationship()
    objections: Mapped[list["NominationObjection"]] = relationship(
        back_populates="nomination", order_by="NominationObjection.id")


class NominationObjection(db.Model):
    """One person's objection during the notice; an admin's resolution closes every open one."""

    __tablename__ = "nomination_objections"
    __table_args__ = (
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('upheld', 'dismissed')", name="known_outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nominations.id"), index=True)
    objector_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    outcome: Mapped[str | None] = mapped_column(sa.String(10))
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    resolution_reason: Mapped[str | None] = mapped_column(sa.String(500))

    nomination: Mapped[Nomination] = relationship(back_populates="objections")
    objector: Mapped[User] = relationship(foreign_keys=[objector_id])
