"""Deduction types (爽约未到, 违反居民公约, …) and the deductions made with them."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from extensions import db


class DeductionType(db.Model):
    __tablename__ = "deduction_types"
    __table_args__ = (sa.CheckConstraint("points BETWEEN 1 AND 10000", name="points_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    points: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())


class Deduction(db.Model):
    """One deduction: `points` is what was actually taken (the type's points, or the whole balance if less)."""

    __tablename__ = "deductions"
    __table_args__ = (sa.CheckConstraint("points > 0", name="points_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    type_id: Mapped[int] = mapped_column(sa.ForeignKey("deduction_types.id"))
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(500))
    made_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
