"""Use cases for people: creating users; each commits once, with its audit event."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext
from pypinyin import Style, lazy_pinyin

from accounts.cards import new_card_code
from accounts.models import ROLES, Community, Grid, User, UserRole
from accounts.passwords import hash_password
from audit import service as audit
from core.db import run_write
from core.errors import ValidationFailed
from extensions import db

USERNAME_PATTERN = r"[A-Za-z0-9._-]{2,40}"


@dataclass(frozen=True)
class NewUser:
    username: str
    name: str
    password: str
    roles: tuple[str, ...] = ("resident",)
    community_id: int | None = None
    grid_id: int | None = None
    phone: str | None = None
    id_number: str | None = None
    extra: dict = field(default_factory=dict)


def name_initials(name: str) -> str:
    """Pinyin initials for search at the counter: 张伟 → "zw"."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()[:40]


def user_snapshot(user: User) -> dict:
    """What the audit trail records about a person (no password hash)."""
    return {
        "username": user.username, "name": user.name, "roles": user.roles, "phone": user.phone,
        "community_id": user.community_id, "grid_id": user.grid_id, "active": user.active,
    }


def check_new_user(req: NewUser) -> None:
    """Field checks a person can fix; raises ValidationFailed listing them all."""
    import re

    errors = {}
    if not re.fullmatch(USERNAME_PATTERN, req.username or ""):
        errors["username"] = gettext("2–40 letters, digits, '.', '_' or '-'.")
    if not req.name or not req.name.strip() or len(req.name) > 100 or "\x00" in req.name:
        errors["name"] = gettext("Enter a name of at most 100 characters.")
    if not req.password or len(req.password) < 8 or len(req.password) > 200 or "\x00" in req.password:
        errors["password"] = gettext("At least 8 characters.")
    if not req.roles or any(role not in ROLES for role in req.roles):
        errors["roles"] = gettext("Choose roles from: %(roles)s.", roles=", ".join(ROLES))
    if req.community_id is not None and db.session.get(Community, req.community_id) is None:
        errors["community_id"] = gettext("No such community.")
    if req.grid_id is not None:
        grid = db.session.get(Grid, req.grid_id)
        if grid is None or (req.community_id is not None and grid.community_id != req.community_id):
            errors["grid_id"] = gettext("No such grid in this community.")
    if "username" not in errors and db.session.execute(
        sa.select(User.id).where(sa.func.lower(User.username) == req.username.lower())
    ).first():
        errors["username"] = gettext("This username is taken.")
    if errors:
        raise ValidationFailed(errors)


def create_user(req: NewUser, actor: User | None) -> User:
    """Add a person with their roles and a fresh card code."""
    check_new_user(req)
    password_hash = hash_password(req.password)  # slow: done before the write begins
    actor_id = getattr(actor, "id", None)

    def work() -> User:
        taken = db.session.execute(
            sa.select(User.id).where(sa.func.lower(User.username) == req.username.lower())
        ).first()
        if taken:  # re-checked inside the write: a concurrent twin may have won
            raise ValidationFailed({"username": gettext("This username is taken.")})
        user = User(
            username=req.username, name=req.name.strip(), password_hash=password_hash,
            community_id=req.community_id, grid_id=req.grid_id, phone=req.phone,
            id_number=req.id_number, card_code=new_card_code(), name_initials=name_initials(req.name),
        )
        user.role_rows = [UserRole(role=role) for role in dict.fromkeys(req.roles)]
        db.session.add(user)
        db.session.flush()
        audit.record("user.created", actor=actor_id, subject=user, after=user_snapshot(user))
        return user

    return run_write(work)
