"""People, roles, communities and grids."""

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db

ROLES = ("resident", "team_lead", "store_keeper", "admin", "auditor")
ROLE_CHECK = "role IN ('resident', 'team_lead', 'store_keeper', 'admin', 'auditor')"


class Community(db.Model):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    grids: Mapped[list["Grid"]] = relationship(back_populates="community", order_by="Grid.name")


class Grid(db.Model):
    __tablename__ = "grids"
    __table_args__ = (sa.UniqueConstraint("community_id", "name", name="uq_grids_community_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))

    community: Mapped[Community] = relationship(back_populates="grids")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    # The party members' annual record and the dashboard list party members without a scan.
    __table_args__ = (sa.Index("ix_users_party_member_id", "party_member", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    id_number: Mapped[str | None] = mapped_column(sa.String(18))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grids.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    card_code: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    honour_roll_opt_out: Mapped[bool] = mapped_column(default=False)
    care_mode: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # 关怀模式: large text
    party_member: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    in_need: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Their employer, a co-building unit (community.models.Unit); checked by the community package,
    # no foreign key so accounts keeps knowing nothing of the newer features.
    unit_id: Mapped[int | None] = mapped_column(index=True)
    name_initials: Mapped[str] = mapped_column(sa.String(40), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    community: Mapped[Community | None] = relationship()
    grid: Mapped[Grid | None] = relationship()
    role_rows: Mapped[list["UserRole"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )

    @property
    def roles(self) -> list[str]:
        """Role names in the canonical order."""
        held = {row.role for row in self.role_rows}
        return [role for role in ROLES if role in held]

    def has_role(self, *roles: str) -> bool:
        """True when the user holds any of the given roles."""
        return any(row.role in roles for row in self.role_rows)

    # The web session this request runs under (set by accounts.sessions, never stored here):
    # Flask-Login keeps get_id() in the session and remember cookies, so both name a
    # server-side WebSession row that sign-out and password changes delete.
    web_session_token = None  # str | None; unannotated so SQLAlchemy leaves it unmapped

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated people cannot sign in
        return self.active

    def get_id(self) -> str:
        """The web session's token (not the user id), so a cookie dies with its server row."""
        return self.web_session_token or f"no-session-{self.id}"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (sa.CheckConstraint(ROLE_CHECK, name="known_role"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class WebSession(db.Model):
    """A signed-in browser: its cookies carry the token, only its SHA-256 is stored.

    Deleting the row ends the session and any remember-me cookie at once, in every process.
    """

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class SignInFailure(db.Model):
    """Failed sign-ins, counted in the database so every server process sees them."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        sa.Index("ix_sign_in_failures_username_at", "username", "at"),
        sa.Index("ix_sign_in_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(100))
    address: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
