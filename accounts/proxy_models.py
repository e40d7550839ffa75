"""Proxies (代办人): a family member or grid worker who acts for a resident without a phone."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from extensions import db


class Proxy(db.Model):
    """An open relation has ended_at NULL; ending one keeps the row as history."""

    __tablename__ = "proxies"
    __table_args__ = (
        sa.CheckConstraint("user_id <> proxy_id", name="not_oneself"),
        # One open relation per pair, enforced by the database under concurrency.
        sa.Index("uq_proxies_open_pair", "user_id", "proxy_id", unique=True,
                 sqlite_where=sa.text("ended_at IS NULL"), postgresql_where=sa.text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    proxy_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
