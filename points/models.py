"""Earning: rules, difficulty levels, teams, activities, hour records, commendations."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from core.timeutil import utcnow
from extensions import db

HOUR_STATUSES = ("pending", "approved", "rejected", "reversed")
ACTIVITY_CATEGORIES = (
    "敬老爱老", "环境卫生", "文明创建", "扶贫助困", "儿童关爱", "安全与宣讲", "文体", "其他",
)


class PointsRule(db.Model):
    """Each change is a new row; its id is the rule version."""

    __tablename__ = "points_rules"
    __table_args__ = (sa.CheckConstraint("points_per_hour BETWEEN 1 AND 1000", name="pph_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    points_per_hour: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class DifficultyLevel(db.Model):
    __tablename__ = "difficulty_levels"
    __table_args__ = (sa.CheckConstraint("multiplier > 0 AND multiplier <= 10", name="multiplier_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    multiplier: Mapped[Decimal] = mapped_column(sa.Numeric(4, 2))
    active: Mapped[bool] = mapped_column(default=True)


class CommendationType(db.Model):
    __tablename__ = "commendation_types"
    __table_args__ = (sa.CheckConstraint("points > 0 AND points <= 100000", name="points_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    points: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    memberships: Mapped[list["TeamMember"]] = relationship(back_populates="team", cascade="all, delete-orphan")


class TeamMember(db.Model):
    """A person in a team; is_lead marks its team leads."""

    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True, index=True)
    is_lead: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    team: Mapped[Team] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class Activity(db.Model):
    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    date: Mapped[date] = mapped_column(sa.Date, index=True)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    category: Mapped[str] = mapped_column(sa.String(40), default="")
    difficulty_id: Mapped[int] = mapped_column(sa.ForeignKey("difficulty_levels.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # Volunteering (SPEC "Open activities"): residents outside the team may sign up, up to capacity.
    open: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    capacity: Mapped[int | None]
    starts_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    team: Mapped[Team] = relationship()
    difficulty: Mapped[DifficultyLevel] = relationship()


class HourRecord(db.Model):
    """Minutes served; points computed once, when logged, with the rule then in force."""

    __tablename__ = "hour_records"
    __table_args__ = (
        sa.CheckConstraint("minutes BETWEEN 1 AND 1440", name="minutes_range"),
        sa.CheckConstraint("points >= 0", name="points_nonnegative"),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'reversed')", name="known_status"
        ),
        sa.CheckConstraint("volunteer_id <> logged_by_id", name="not_self_logged"),
        # One live record per person and activity; a rejected or reversed one frees the slot.
        sa.Index(
            "uq_hour_records_live",
            "activity_id",
            "volunteer_id",
            unique=True,
            sqlite_where=sa.text("status IN ('pending', 'approved')"),
            postgresql_where=sa.text("status IN ('pending', 'approved')"),
        ),
        sa.Index("ix_hour_records_volunteer_day", "volunteer_id", "service_date"),
        sa.Index("ix_hour_records_status_day", "status", "service_date"),  # reports
        sa.Index("ix_hour_records_status_id", "status", "id"),  # approvals queue: pending oldest first
        sa.Index("ix_hour_records_status_decided", "status", "decided_at", "id"),  # decided, newest first
        sa.Index("ix_hour_records_status_activity", "status", "activity_id", "id"),  # approvals by activity/team
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    minutes: Mapped[int]
    service_date: Mapped[date] = mapped_column(sa.Date)
    points: Mapped[int]
    points_per_hour: Mapped[int]
    multiplier: Mapped[Decimal] = mapped_column(sa.Numeric(4, 2))
    rule_version: Mapped[int] = mapped_column(sa.ForeignKey("points_rules.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    logged_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    logged_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    reversal_transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    # Set when the lead who logged it withdrew it while pending (status then 'rejected': the slot is free).
    withdrawn_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # 补录: service recorded after the fact by an admin; counts toward hours and stars, and earns
    # points only if the policy says so (its points are fixed when logged, like any record's).
    honour: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    activity: Mapped[Activity] = relationship()
    volunteer: Mapped[User] = relationship(foreign_keys=[volunteer_id])
    logged_by: Mapped[User] = relationship(foreign_keys=[logged_by_id])


class Commendation(db.Model):
    __tablename__ = "commendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    type_id: Mapped[int] = mapped_column(sa.ForeignKey("commendation_types.id"))
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(500))
    granted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    type: Mapped[CommendationType] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Adjustment(db.Model):
    """A manual correction by an admin; points may be negative (a deduction)."""

    __tablename__ = "adjustments"
    __table_args__ = (sa.CheckConstraint("points <> 0", name="points_nonzero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(500))
    made_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
