"""The in-app inbox. Each row is one message to one person; the text is rendered when read,
in the reader's language, from the kind and its parameters."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from extensions import db

KINDS = ("hours_approved", "hours_rejected", "redemption", "void", "commendation", "deduction",
         "expiry_soon", "nomination", "adjustment", "hours_reversed")
KINDS += ("gift_sent", "gift_received")  # households: gifts of points (二次公益)
KINDS += ("wish",)  # community: a micro-wish was claimed, fulfilled or closed


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    params: Mapped[str] = mapped_column(sa.Text, default="{}")  # canonical JSON
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
