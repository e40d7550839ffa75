"""Policy versions: each change is a new row holding the whole policy; the newest row is in force."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from extensions import db


class PolicyVersion(db.Model):
    """The whole policy as canonical JSON (policy.current.Policy); its id is the version.

    A row per change keeps every version readable (who set what, when) and makes a change one INSERT.
    """

    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    settings: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
