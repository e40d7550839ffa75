"""The hash-chained audit trail."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from extensions import db

GENESIS_HASH = "0" * 64


class AuditHead(db.Model):
    """One row (id=1): the last event's id and hash. Locked first by every writer."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64), default=GENESIS_HASH)


class AuditEvent(db.Model):
    """Append-only (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_action_at", "action", "at"),
        sa.Index("ix_audit_events_actor_newest", "actor_id", "id"),  # viewer: by actor, newest first
        sa.Index("ix_audit_events_action_newest", "action", "id"),  # viewer: by action, newest first
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(60))
    subject_type: Mapped[str | None] = mapped_column(sa.String(40))
    subject_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    before: Mapped[str | None] = mapped_column(sa.Text)  # canonical JSON
    after: Mapped[str | None] = mapped_column(sa.Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
