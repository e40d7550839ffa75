"""A community's needs list (服务清单): open → claimed by a unit → completed → confirmed by an admin.

Only a contact of the unit claims for it; only a contact of the claiming unit completes.
Each transition is one conditional UPDATE with its audit event, in one run_write.
"""

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from accounts.models import Community
from audit import service as audit
from community.common import DETAILS_MAX, NOTE_MAX, TITLE_MAX, status_of, transition
from community.models import NEED_STATES, Need
from community.units import is_contact, unit_exists, units_of
from core.db import run_write
from core.errors import AlreadyClaimed, Forbidden, InvalidState, NotFound, ValidationFailed
from core.timeutil import utcnow
from core.validate import Checker
from extensions import db

NOT_A_CONTACT = _l("Only a contact person of the unit can do this.")
TABLE = Need.__table__


def _need(need_id: int) -> Need:
    need = db.session.get(Need, need_id) if need_id else None
    if need is None:
        raise NotFound()
    return need


def create_need(data: dict, actor) -> Need:
    """An admin adds an item to a community's needs list."""
    if not actor.has_role("admin"):
        raise Forbidden()
    c = Checker(data)
    title = c.text("title", max_length=TITLE_MAX)
    community_id = c.id("community_id")
    details = c.text("details", required=False, max_length=DETAILS_MAX, min_length=0) or ""
    if community_id is not None and db.session.get(Community, community_id) is None:
        c.fail("community_id", gettext("No such community."))
    c.done()
    values = {"title": title, "community_id": community_id, "details": details, "status": "open",
              "created_by_id": actor.id, "created_at": utcnow()}

    def work() -> int:
        need_id = db.session.execute(sa.insert(TABLE).values(**values).returning(TABLE.c.id)).scalar_one()
        audit.record("need.created", actor=actor.id, subject_type="needs", subject_id=need_id,
                     after={"title": title, "community_id": community_id, "details": details})
        return need_id

    return db.session.get(Need, run_write(work))


def claim_need(need_id: int, data: dict, actor) -> Need:
    """A unit's contact claims an open need for the unit; of two at once exactly one wins."""
    if not units_of(actor.id):
        raise Forbidden(NOT_A_CONTACT)
    _need(need_id)
    c = Checker(data)
    unit_id = c.id("unit_id")
    if unit_id is not None and not unit_exists(unit_id):
        c.fail("unit_id", gettext("No such unit."))
    c.done()
    if not is_contact(actor.id, unit_id):
        raise Forbidden(NOT_A_CONTACT)
    actor_id = actor.id

    def work() -> None:
        if not transition(TABLE, need_id, "open", "claimed", unit_id=unit_id, claimed_by_id=actor_id,
                          claimed_at=utcnow()):
            raise AlreadyClaimed()
        audit.record("need.claimed", actor=actor_id, subject_type="needs", subject_id=need_id,
                     before={"status": "open"}, after={"status": "claimed", "unit_id": unit_id})

    return _done(work, need_id)


def complete_need(need_id: int, data: dict, actor) -> Need:
    """A contact of the claiming unit reports the need done, with a note."""
    need = _need(need_id)
    if need.unit_id is not None and not is_contact(actor.id, need.unit_id):
        raise Forbidden(NOT_A_CONTACT)
    if need.unit_id is None and not units_of(actor.id):
        raise Forbidden(NOT_A_CONTACT)
    c = Checker(data)
    note = c.text("note", max_length=NOTE_MAX)
    c.done()
    unit_id, actor_id = need.unit_id, actor.id

    def work() -> None:
        if unit_id is None or not transition(TABLE, need_id, "claimed", "completed",
                                             where=(TABLE.c.unit_id == unit_id,), completed_by_id=actor_id,
                                             completion_note=note, completed_at=utcnow()):
            raise InvalidState()
        audit.record("need.completed", actor=actor_id, subject_type="needs", subject_id=need_id,
                     before={"status": "claimed"}, after={"status": "completed", "note": note})

    return _done(work, need_id)


def confirm_need(need_id: int, actor) -> Need:
    """An admin confirms a completed need."""
    if not actor.has_role("admin"):
        raise Forbidden()
    _need(need_id)

    def work() -> None:
        if not transition(TABLE, need_id, "completed", "confirmed", confirmed_at=utcnow()):
            raise InvalidState()
        audit.record("need.confirmed", actor=actor.id, subject_type="needs", subject_id=need_id,
                     before={"status": "completed"}, after={"status": "confirmed"})

    return _done(work, need_id)


def _done(work, need_id: int) -> Need:
    run_write(work)
    db.session.expire_all()
    return db.session.get(Need, need_id)


def needs_stmt(status: str | None = None, unit_id: int | None = None, community_id: int | None = None):
    """The needs list, optionally of one status, one unit or one community (page by Need.id)."""
    stmt = sa.select(Need)
    if status is not None:
        stmt = stmt.where(Need.status == status)
    if community_id is not None:
        stmt = stmt.where(Need.community_id == community_id)
    if unit_id is not None:
        stmt = stmt.where(Need.unit_id == unit_id)
    return stmt


def check_status(raw: str | None) -> str | None:
    if raw in (None, ""):
        return None
    if raw not in NEED_STATES:
        raise ValidationFailed({"status": gettext("Choose one of: %(states)s.", states=", ".join(NEED_STATES))})
    return raw


def check_community(raw: str | None) -> int | None:
    """?community_id= as an id (ASCII digits), or None when absent."""
    from core.validate import parse_id

    if raw in (None, ""):
        return None
    community_id = parse_id(raw)
    if community_id is None:
        raise ValidationFailed({"community_id": gettext("Must be an id (a positive whole number).")})
    return community_id


def state_of(need_id: int) -> str | None:
    return status_of(TABLE, need_id)
