"""Remembered API answers for Idempotency-Key replays."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from extensions import db


class IdempotentResponse(db.Model):
    """The first successful answer to (caller, path, key); a replay returns it unchanged."""

    __tablename__ = "idempotent_responses"
    __table_args__ = (sa.UniqueConstraint("user_id", "path", "key", name="uq_idempotent_responses_scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    path: Mapped[str] = mapped_column(sa.String(200))
    key: Mapped[str] = mapped_column(sa.String(100))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
