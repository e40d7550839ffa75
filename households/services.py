"""Households: an admin groups residents into one (户); members see the family's totals.

Membership is a row per person whose primary key is the person, so "in at most one household"
holds in the database whatever runs concurrently (a second insert fails: 409 already_in_household).
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from accounts.models import Community, User
from audit import service as audit
from core.db import run_write
from core.errors import AlreadyInHousehold, Forbidden, NotFound, ValidationFailed
from core.timeutil import utcnow
from extensions import db
from households.models import Household, HouseholdMember
from points import stars
from points.ledger_models import Account
from points.stats_models import ALL_TIME, HoursPresence

MAX_MEMBERS = 30
MAX_DB_ID = 2**31 - 1


@dataclass(frozen=True)
class MemberLine:
    user_id: int
    name: str
    balance: int
    service_minutes: int
    star: int


@dataclass(frozen=True)
class HouseholdDetail:
    id: int
    name: str
    community_id: int | None
    members: tuple[MemberLine, ...]

    @property
    def totals(self) -> dict:
        return {"members": len(self.members), "balance": sum(m.balance for m in self.members),
                "service_minutes": sum(m.service_minutes for m in self.members)}


def _require_admin(actor) -> None:
    if actor is None or not actor.has_role("admin"):
        raise Forbidden()


def household_of(user_id: int) -> int | None:
    """The id of the person's household, or None."""
    return db.session.execute(
        sa.select(HouseholdMember.household_id).where(HouseholdMember.user_id == user_id)
    ).scalar_one_or_none()


def same_household(a: int, b: int) -> bool:
    """True when both people belong to one household (one indexed read)."""
    rows = db.session.execute(
        sa.select(HouseholdMember.household_id).where(HouseholdMember.user_id.in_([a, b]))
    ).scalars().all()
    return len(rows) == 2 and rows[0] == rows[1]


def may_see(household_id: int, viewer) -> bool:
    """Its members, admins and auditors."""
    return viewer.has_role("admin", "auditor") or household_of(viewer.id) == household_id


def household_detail(household_id: int) -> HouseholdDetail | None:
    """The household with each member's balance, all-time service minutes (kept summary) and star."""
    if not 0 < household_id <= MAX_DB_ID:
        return None
    household = db.session.get(Household, household_id)
    if household is None:
        return None
    rows = db.session.execute(
        sa.select(User.id, User.name, Account.credits_posted - Account.debits_posted, HoursPresence.minutes)
        .join(HouseholdMember, HouseholdMember.user_id == User.id)
        .outerjoin(Account, Account.user_id == User.id)
        .outerjoin(HoursPresence, sa.and_(
            HoursPresence.volunteer_id == User.id, HoursPresence.period == ALL_TIME,
            HoursPresence.dim == "total", HoursPresence.group_id == 0, HoursPresence.category == ""))
        .where(HouseholdMember.household_id == household_id).order_by(User.name, User.id)
    ).all()
    members = tuple(MemberLine(uid, name, int(balance or 0), int(minutes or 0), stars.star_for(int(minutes or 0)))
                    for uid, name, balance, minutes in rows)
    return HouseholdDetail(household.id, household.name, household.community_id, members)


def _clean_name(name) -> str | None:
    if not isinstance(name, str):
        return None
    name = name.strip()
    if not 1 <= len(name) <= 100 or any(ord(c) < 32 for c in name):
        return None
    return name


def _known_people(ids: list[int]) -> set[int]:
    return set(db.session.execute(
        sa.select(User.id).where(User.id.in_(ids), User.active.is_(True))).scalars())


def _already_placed(ids: list[int]) -> list[int]:
    return list(db.session.execute(
        sa.select(HouseholdMember.user_id).where(HouseholdMember.user_id.in_(ids))).scalars())


def _placed_refusal(user_ids: list[int]) -> AlreadyInHousehold:
    names = db.session.execute(sa.select(User.name).where(User.id.in_(user_ids)).order_by(User.name)).scalars()
    return AlreadyInHousehold(gettext("Already in a household: %(names)s.", names="、".join(names)))


def create_household(name, member_ids: list[int], actor, community_id: int | None = None) -> int:
    """A new household with its members (admin); audited. 409 already_in_household for anyone placed."""
    _require_admin(actor)
    errors = {}
    clean = _clean_name(name)
    if clean is None:
        errors["name"] = gettext("A name of 1 to 100 characters is required.")
    ids = list(dict.fromkeys(member_ids or []))
    if len(ids) > MAX_MEMBERS:
        errors["member_ids"] = gettext("At most %(n)s members.", n=MAX_MEMBERS)
    elif ids and _known_people(ids) != set(ids):
        errors["member_ids"] = gettext("Every member must be an active person.")
    if community_id is not None and db.session.get(Community, community_id) is None:
        errors["community_id"] = gettext("No such community.")
    if errors:
        raise ValidationFailed(errors)
    placed = _already_placed(ids) if ids else []
    if placed:
        raise _placed_refusal(placed)
    now = utcnow()

    def work() -> int:
        table = Household.__table__
        new_id = db.session.execute(sa.insert(table).values(
            name=clean, community_id=community_id, created_at=now, created_by_id=actor.id,
        ).returning(table.c.id)).scalar_one()
        if ids:
            db.session.execute(sa.insert(HouseholdMember.__table__),
                               [{"user_id": uid, "household_id": new_id, "joined_at": now} for uid in ids])
        audit.record("household.created", actor=actor.id, subject_type="households", subject_id=new_id,
                     after={"name": clean, "community_id": community_id, "member_ids": ids})
        return new_id

    return _write_members(work, ids)


def add_member(household_id: int, user_id, actor) -> None:
    """Put one more person in the household (admin); audited."""
    _require_admin(actor)
    if db.session.get(Household, household_id) is None:
        raise NotFound()
    if isinstance(user_id, bool) or not isinstance(user_id, int) or not _known_people([user_id]):
        raise ValidationFailed({"user_id": gettext("No such active person.")})
    if _already_placed([user_id]):
        raise _placed_refusal([user_id])

    def work() -> None:
        db.session.execute(sa.insert(HouseholdMember.__table__).values(
            user_id=user_id, household_id=household_id, joined_at=utcnow()))
        audit.record("household.member_added", actor=actor.id, subject_type="households",
                     subject_id=household_id, after={"user_id": user_id})

    _write_members(work, [user_id])


def remove_member(household_id: int, user_id: int, actor) -> None:
    """Take a person out of the household (admin); audited; NotFound when they are not in it."""
    _require_admin(actor)

    def work() -> None:
        gone = db.session.execute(sa.delete(HouseholdMember).where(
            HouseholdMember.household_id == household_id, HouseholdMember.user_id == user_id,
        ).returning(HouseholdMember.user_id).execution_options(synchronize_session=False)).scalar_one_or_none()
        if gone is None:
            raise NotFound()
        audit.record("household.member_removed", actor=actor.id, subject_type="households",
                     subject_id=household_id, before={"user_id": user_id})

    run_write(work)


def _write_members(work, ids: list[int]):
    try:
        return run_write(work)
    except IntegrityError:
        db.session.rollback()
        placed = _already_placed(ids)  # a concurrent request placed someone first
        if placed:
            raise _placed_refusal(placed) from None
        raise


def households_page(limit: int = 200) -> list[tuple[Household, int]]:
    """Households with their member counts, newest first (the admin page)."""
    count = sa.select(sa.func.count()).where(HouseholdMember.household_id == Household.id).scalar_subquery()
    return [(h, n) for h, n in db.session.execute(
        sa.select(Household, count).order_by(Household.id.desc()).limit(limit)).all()]
