"""Co-building units (共建单位) and their contact people; who may act for a unit."""

import sqlalchemy as sa
from flask_babel import gettext

from accounts.models import User
from audit import service as audit
from community.models import Unit, UnitContact
from core.db import run_write
from core.errors import Forbidden, NotFound, ValidationFailed
from core.timeutil import utcnow
from core.validate import Checker
from extensions import db


def unit_exists(unit_id: int) -> bool:
    return db.session.execute(sa.select(Unit.id).where(Unit.id == unit_id)).scalar_one_or_none() is not None


def units_of(user_id: int) -> set[int]:
    """The units this person is a contact of."""
    return set(db.session.execute(sa.select(UnitContact.unit_id).where(UnitContact.user_id == user_id)).scalars())


def is_contact(user_id: int, unit_id: int) -> bool:
    return db.session.execute(sa.select(UnitContact.unit_id).where(
        UnitContact.user_id == user_id, UnitContact.unit_id == unit_id)).scalar_one_or_none() is not None


def contacts_of(unit_id: int) -> list[User]:
    return list(db.session.execute(sa.select(User).join(UnitContact, UnitContact.user_id == User.id)
                                   .where(UnitContact.unit_id == unit_id).order_by(User.name)).scalars())


def _contact_ids(c: Checker) -> list[int]:
    ids = c.id_list("contact_ids", max_items=50)
    if ids:
        found = set(db.session.execute(sa.select(User.id).where(User.id.in_(ids), User.active)).scalars())
        if found != set(ids):
            c.fail("contact_ids", gettext("No such active person: %(ids)s.",
                                          ids=", ".join(str(i) for i in ids if i not in found)))
    return ids


def create_unit(data: dict, actor) -> Unit:
    """An admin registers a unit with its contact people."""
    if not actor.has_role("admin"):
        raise Forbidden()
    c = Checker(data)
    name = c.text("name", max_length=100)
    contact_ids = _contact_ids(c)
    if name and db.session.execute(sa.select(Unit.id).where(Unit.name == name)).first() is not None:
        c.fail("name", gettext("A unit with this name already exists."))
    c.done()
    table = Unit.__table__

    def work() -> int:
        unit_id = db.session.execute(
            sa.insert(table).values(name=name, created_at=utcnow()).returning(table.c.id)).scalar_one()
        if contact_ids:
            db.session.execute(sa.insert(UnitContact.__table__),
                               [{"unit_id": unit_id, "user_id": uid} for uid in contact_ids])
        audit.record("unit.created", actor=actor.id, subject_type="units", subject_id=unit_id,
                     after={"name": name, "contact_ids": contact_ids})
        return unit_id

    try:
        unit_id = run_write(work)
    except sa.exc.IntegrityError:  # a concurrent twin took the name first
        db.session.rollback()
        raise ValidationFailed({"name": gettext("A unit with this name already exists.")}) from None
    return db.session.get(Unit, unit_id)


def set_contacts(unit_id: int, data: dict, actor) -> Unit:
    """An admin replaces a unit's contact people."""
    if not actor.has_role("admin"):
        raise Forbidden()
    if db.session.get(Unit, unit_id) is None:
        raise NotFound()
    c = Checker(data)
    contact_ids = _contact_ids(c)
    c.done()
    before = sorted(u.id for u in contacts_of(unit_id))
    table = UnitContact.__table__

    def work() -> None:
        db.session.execute(sa.delete(table).where(table.c.unit_id == unit_id))
        if contact_ids:
            db.session.execute(sa.insert(table), [{"unit_id": unit_id, "user_id": uid} for uid in contact_ids])
        audit.record("unit.contacts_set", actor=actor.id, subject_type="units", subject_id=unit_id,
                     before={"contact_ids": before}, after={"contact_ids": sorted(contact_ids)})

    run_write(work)
    return db.session.get(Unit, unit_id)


def all_units() -> list[Unit]:
    return list(db.session.execute(sa.select(Unit).order_by(Unit.name)).scalars())
