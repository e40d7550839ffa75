"""Sign-in failure counters: one row per (scope, key), updated by a conditional upsert."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class SignInCounter(db.Model):
    """Failures for one username or address since window_start (a window opens at a first failure).

    scope is 'username' or 'address'. The upsert that counts a failure refuses (changes no row)
    once failures reached the limit inside the window, so concurrent attempts cannot overshoot.
    """

    __tablename__ = "sign_in_counters"
    __table_args__ = (
        sa.CheckConstraint("scope IN ('username', 'address')", name="known_scope"),
        sa.CheckConstraint("failures >= 0", name="failures_nonnegative"),
        sa.Index("ix_sign_in_counters_window_start", "window_start"),
    )

    scope: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(default=0)
