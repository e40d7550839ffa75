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
    # Each version names the one it was made from, once: two admins changing the same version at the
    # same moment cannot both win (the second is re-applied on top of the first, nothing is lost).
    __table_args__ = (sa.Index("uq_policy_versions_based_on", "based_on", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    settings: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    based_on: Mapped[int | None]  # the version in force when this one was made (0: the defaults)
