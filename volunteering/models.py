"""Sign-ups with a database-kept head count, attendance by code, numbered service certificates."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from core.timeutil import utcnow
from extensions import db
from points.models import Activity


class ActivityPlaces(db.Model):
    """One row per activity that has sign-ups: the head count, guarded by the database.

    A sign-up is `UPDATE … SET signed_up = signed_up + 1 WHERE signed_up < capacity`; the CHECK
    makes going over capacity impossible even for code that forgets the WHERE.
    """

    __tablename__ = "activity_places"
    __table_args__ = (
        sa.CheckConstraint("signed_up >= 0", name="signed_up_nonnegative"),
        sa.CheckConstraint("capacity IS NULL OR signed_up <= capacity", name="within_capacity"),
    )

    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"), primary_key=True)
    capacity: Mapped[int | None]
    signed_up: Mapped[int] = mapped_column(default=0, server_default="0")


class Signup(db.Model):
    """A person signed up for an activity; cancelling deletes the row and frees the place."""

    __tablename__ = "signups"
    __table_args__ = (sa.UniqueConstraint("activity_id", "user_id", name="uq_signups_activity_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()
    activity: Mapped[Activity] = relationship()


class Attendance(db.Model):
    """One check-in (and later its check-out) per person and activity."""

    __tablename__ = "attendances"
    __table_args__ = (
        sa.UniqueConstraint("activity_id", "user_id", name="uq_attendances_activity_user"),
        sa.CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    checked_in_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    checked_in_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))  # self (code) or a lead (by hand)
    checked_out_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    checked_out_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    minutes: Mapped[int | None]
    hours_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hour_records.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class CertificateCounter(db.Model):
    """The last certificate number used in a year; taken with UPDATE … SET last = last + 1 RETURNING."""

    __tablename__ = "certificate_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0, server_default="0")


class Certificate(db.Model):
    """The register of service certificates (志愿服务证明): what was certified, frozen when issued."""

    __tablename__ = "certificates"
    __table_args__ = (
        sa.UniqueConstraint("year", "serial", name="uq_certificates_year_serial"),
        sa.CheckConstraint("from_date <= to_date", name="period_order"),
        sa.CheckConstraint("service_minutes >= 0", name="minutes_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)  # JF-2026-000001
    year: Mapped[int]
    serial: Mapped[int]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    id_number: Mapped[str | None] = mapped_column(sa.String(18))
    from_date: Mapped[date] = mapped_column(sa.Date)
    to_date: Mapped[date] = mapped_column(sa.Date)
    service_minutes: Mapped[int]
    activities: Mapped[str] = mapped_column(sa.Text)  # JSON list: id, title, date, minutes
    issuer: Mapped[str] = mapped_column(sa.String(100))
    issued_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
