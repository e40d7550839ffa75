"""Use cases for people, communities, grids and cards; each commits once, with its audit event."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext
from pypinyin import Style, lazy_pinyin

from accounts.cards import new_card_code, normalise_card_code
from accounts.models import ROLES, Community, Grid, User, UserRole
from accounts.passwords import hash_password
from accounts.search import count_search, people_query, search_people  # noqa: F401  (callers import them here)
from accounts.sessions import end_all_sessions
from audit import service as audit
from core.db import run_write
from core.errors import InvalidCard, NotFound, ValidationFailed
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
    # Bulk loaders (demo-data) hash one shared password once and pass the hash here.
    password_hash: str | None = None


def name_initials(name: str) -> str:
    """Pinyin initials for search at the counter: 张伟 → "zw"."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()[:40]


def user_snapshot(user: User) -> dict:
    """What the audit trail records about a person (no password hash)."""
    return {
        "username": user.username, "name": user.name, "roles": user.roles, "phone": user.phone,
        "community_id": user.community_id, "grid_id": user.grid_id, "active": user.active,
        "party_member": bool(user.party_member), "in_need": bool(user.in_need), "unit_id": user.unit_id,
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
    password_hash = req.password_hash or hash_password(req.password)  # slow: before the write
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


# ---------------------------------------------------------------- communities and grids

def _clean_label(value, field_name: str, max_length: int = 100) -> str:
    """A trimmed, non-empty name without control characters, or ValidationFailed."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > max_length or any(ord(ch) < 32 for ch in text):
        raise ValidationFailed({field_name: gettext("Enter a name of at most %(n)s characters.", n=max_length)})
    return text


def create_community(name: str, actor: User | None) -> Community:
    """Add a community; names are unique (case does not make a new one)."""
    clean = _clean_label(name, "name")
    actor_id = getattr(actor, "id", None)

    def work() -> Community:
        if db.session.execute(
            # lower() in SQL folds ASCII only: also match the exact name the unique index compares
            sa.select(Community.id).where(sa.or_(Community.name == clean,
                                                 sa.func.lower(Community.name) == clean.lower()))
        ).first():
            raise ValidationFailed({"name": gettext("A community with this name already exists.")})
        community = Community(name=clean)
        db.session.add(community)
        db.session.flush()
        audit.record("community.created", actor=actor_id, subject=community, after={"name": clean})
        return community

    return run_write(work)


def create_grid(community_id: int, name: str, actor: User | None) -> Grid:
    """Add a grid to a community; grid names are unique within their community."""
    clean = _clean_label(name, "name")
    if db.session.get(Community, community_id) is None:
        raise NotFound()
    actor_id = getattr(actor, "id", None)

    def work() -> Grid:
        if db.session.execute(sa.select(Grid.id).where(
            Grid.community_id == community_id,
            sa.or_(Grid.name == clean, sa.func.lower(Grid.name) == clean.lower()),
        )).first():
            raise ValidationFailed({"name": gettext("This community already has a grid with this name.")})
        grid = Grid(community_id=community_id, name=clean)
        db.session.add(grid)
        db.session.flush()
        audit.record("grid.created", actor=actor_id, subject=grid,
                     after={"community_id": community_id, "name": clean})
        return grid

    return run_write(work)


# ---------------------------------------------------------------- cards

def replace_card(user_id: int, actor: User | None) -> str:
    """Give a person a new card code; the old one stops working at once."""
    if db.session.get(User, user_id) is None:
        raise NotFound()
    actor_id = getattr(actor, "id", None)

    def work() -> str:
        user = db.session.get(User, user_id)
        old, new = user.card_code, new_card_code()
        user.card_code = new
        db.session.flush()
        audit.record("user.card_replaced", actor=actor_id, subject=user,
                     before={"card_code": old}, after={"card_code": new})
        return new

    return run_write(work)


def find_by_card(raw_code: str) -> User:
    """The active person holding this card, or InvalidCard (malformed, bad check, unknown, inactive)."""
    code = normalise_card_code(raw_code)
    if code is None:
        raise InvalidCard()
    user = db.session.execute(sa.select(User).where(User.card_code == code)).scalar_one_or_none()
    if user is None or not user.active:
        raise InvalidCard()
    return user


# ---------------------------------------------------------------- editing people

@dataclass(frozen=True)
class EditUser:
    user_id: int
    name: str
    roles: tuple[str, ...]
    active: bool = True
    community_id: int | None = None
    grid_id: int | None = None
    phone: str | None = None
    id_number: str | None = None
    new_password: str | None = None
    party_member: bool | None = None  # None: unchanged (the people page does not show these yet)
    in_need: bool | None = None
    set_unit: bool = False  # False: unit_id unchanged
    unit_id: int | None = None


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def clean_phone(raw: str | None) -> str | None:
    """Digits (with an optional leading +), spaces and dashes removed; None when blank."""
    text = (raw or "").strip().replace(" ", "").replace("-", "")
    return text or None


def clean_id_number(raw: str | None) -> str | None:
    text = (raw or "").strip().upper()
    return text or None


def contact_errors(phone: str | None, id_number: str | None) -> dict:
    """Messages for a badly formed phone number or resident ID number (18 characters, checked)."""
    import re

    errors = {}
    if phone is not None and not re.fullmatch(r"\+?\d{5,19}", phone):
        errors["phone"] = gettext("Enter a phone number of 5 to 20 digits.")
    if id_number is not None:
        valid = re.fullmatch(r"\d{17}[\dX]", id_number) is not None
        if valid:
            total = sum(int(d) * w for d, w in zip(id_number[:17], _ID_WEIGHTS, strict=True))
            valid = "10X98765432"[total % 11] == id_number[17]
        if not valid:
            errors["id_number"] = gettext("Enter a valid 18-character ID number.")
    return errors


def _edit_errors(req: EditUser, actor: User | None) -> dict:
    errors = contact_errors(req.phone, req.id_number)
    if not req.name or not req.name.strip() or len(req.name) > 100 or "\x00" in req.name:
        errors["name"] = gettext("Enter a name of at most 100 characters.")
    if not req.roles or any(role not in ROLES for role in req.roles):
        errors["roles"] = gettext("Choose roles from: %(roles)s.", roles=", ".join(ROLES))
    if req.new_password is not None and (
        len(req.new_password) < 8 or len(req.new_password) > 200 or "\x00" in req.new_password
    ):
        errors["new_password"] = gettext("At least 8 characters.")
    if req.community_id is not None and db.session.get(Community, req.community_id) is None:
        errors["community_id"] = gettext("No such community.")
    if req.grid_id is not None:
        grid = db.session.get(Grid, req.grid_id)
        if grid is None or grid.community_id != req.community_id:
            errors["grid_id"] = gettext("No such grid in this community.")
    if req.set_unit and req.unit_id is not None and not unit_exists(req.unit_id):
        errors["unit_id"] = gettext("No such unit.")
    if actor is not None and actor.id == req.user_id:
        if not req.active:
            errors["active"] = gettext("You cannot deactivate yourself.")
        if "admin" not in req.roles and "roles" not in errors:
            errors["roles"] = gettext("You cannot remove your own admin role.")
    return errors


# The co-building units table belongs to the community package, which accounts may not import:
# read it by name (a person's employer unit must exist).
_UNITS = sa.table("units", sa.column("id"), sa.column("name"))


def unit_choices() -> list[tuple[int, str]]:
    """Every co-building unit as (id, name), by name, for the person form."""
    return [tuple(row) for row in db.session.execute(sa.select(_UNITS.c.id, _UNITS.c.name).order_by(_UNITS.c.name))]


def unit_exists(unit_id: int) -> bool:
    return db.session.execute(sa.select(_UNITS.c.id).where(_UNITS.c.id == unit_id)).first() is not None


def update_user(req: EditUser, actor: User | None) -> User:
    """Change a person's details, roles, active flag and (optionally) password, with before/after."""
    if db.session.get(User, req.user_id) is None:
        raise NotFound()
    errors = _edit_errors(req, actor)
    if errors:
        raise ValidationFailed(errors)
    password_hash = hash_password(req.new_password) if req.new_password else None
    actor_id = getattr(actor, "id", None)

    def work() -> User:
        user = db.session.get(User, req.user_id)
        before = user_snapshot(user)
        user.name = req.name.strip()
        user.name_initials = name_initials(user.name)
        user.phone, user.id_number = req.phone, req.id_number
        user.community_id, user.grid_id, user.active = req.community_id, req.grid_id, req.active
        if req.party_member is not None:
            user.party_member = req.party_member
        if req.in_need is not None:
            user.in_need = req.in_need
        if req.set_unit:
            user.unit_id = req.unit_id
        wanted = set(req.roles)
        for row in list(user.role_rows):
            if row.role not in wanted:
                user.role_rows.remove(row)
        held = {row.role for row in user.role_rows}
        user.role_rows.extend(UserRole(role=role) for role in ROLES if role in wanted and role not in held)
        if password_hash is not None:
            user.password_hash = password_hash
        db.session.flush()
        after = user_snapshot(user)
        lost_roles = set(before["roles"]) - set(after["roles"])
        if password_hash is not None or lost_roles or (before["active"] and not after["active"]):
            # Powers follow roles and passwords: every session and token of theirs ends now.
            end_all_sessions(user.id)
            after["sessions_ended"] = True
        if before != after or password_hash is not None:
            if password_hash is not None:
                after["password_changed"] = True
            audit.record("user.updated", actor=actor_id, subject=user, before=before, after=after)
        return user

    return run_write(work)
