"""Micro-wishes (微心愿): post → publish (after a visit or a call) → claim → fulfil → confirm.

Plan (validate, load; no lock) → one run_write with the conditional transition, its audit
event and, on confirmation with a commendation type, the claimer's credit through the ledger.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from audit import service as audit
from community.common import DETAILS_MAX, NOTE_MAX, TITLE_MAX, active_person, status_of, transition
from community.models import Wish
from core.db import run_write
from core.errors import AlreadyClaimed, Forbidden, InvalidState, NotFound, ValidationFailed
from core.timeutil import utcnow
from core.validate import Checker
from extensions import db
from notifications.services import notify
from points import ledger
from points.models import Commendation
from points.setup_services import commendation_type_by_ref

OWN_WISH = _l("You cannot claim your own wish.")
NOT_CLAIMER = _l("Only the person who claimed this wish can fulfil it.")
OWN_CREDIT = _l("Nobody may credit themselves; another admin must confirm this wish.")
TABLE = Wish.__table__
CLAIMED_OR_LATER = ("claimed", "fulfilled", "closed")


@dataclass(frozen=True)
class WishView:
    """What a wish shows on the public board: never a phone or an address."""

    id: int
    title: str
    masked_name: str
    status: str


def _admin(actor) -> bool:
    return actor is not None and actor.has_role("admin")


def visible_wish(wish_id: int, actor) -> Wish:
    """The wish, or NotFound: a wish not yet published is seen only by its wisher and admins."""
    wish = db.session.get(Wish, wish_id) if wish_id else None
    if wish is None:
        raise NotFound()
    if wish.status == "submitted" and not _admin(actor) and getattr(actor, "id", None) != wish.wisher_id:
        raise NotFound()
    return wish


def post_wish(data: dict, actor) -> Wish:
    """A resident posts their own wish, or an admin posts one for a resident without a phone."""
    c = Checker(data)
    title = c.text("title", max_length=TITLE_MAX)
    details = c.text("details", required=False, max_length=DETAILS_MAX, min_length=0) or ""
    for_user_id = c.id("for_user_id", required=False)
    if for_user_id is not None and for_user_id != actor.id and not _admin(actor):
        raise Forbidden()
    c.done()
    wisher = active_person(for_user_id) if for_user_id is not None else actor
    if wisher is None:
        raise ValidationFailed({"for_user_id": gettext("No such active person.")})
    values = {"wisher_id": wisher.id, "posted_by_id": actor.id, "community_id": wisher.community_id,
              "title": title, "details": details, "status": "submitted", "created_at": utcnow()}

    def work() -> int:
        wish_id = db.session.execute(sa.insert(TABLE).values(**values).returning(TABLE.c.id)).scalar_one()
        audit.record("wish.submitted", actor=actor.id, subject_type="wishes", subject_id=wish_id,
                     after={"wisher_id": wisher.id, "title": title, "details": details})
        return wish_id

    return db.session.get(Wish, run_write(work))


def publish_wish(wish_id: int, actor) -> Wish:
    """An admin publishes a submitted wish once a visit or a call has checked it."""
    if not _admin(actor):
        raise Forbidden()
    visible_wish(wish_id, actor)

    def work() -> None:
        if not transition(TABLE, wish_id, "submitted", "published", published_at=utcnow()):
            raise InvalidState()
        audit.record("wish.published", actor=actor.id, subject_type="wishes", subject_id=wish_id,
                     before={"status": "submitted"}, after={"status": "published"})

    return _done(work, wish_id)


def claim_wish(wish_id: int, actor) -> Wish:
    """A volunteer claims a published wish; of two at once exactly one wins (409 already_claimed)."""
    wish = visible_wish(wish_id, actor)
    if wish.wisher_id == actor.id:
        raise Forbidden(OWN_WISH)
    actor_id, wisher_id, title = actor.id, wish.wisher_id, wish.title

    def work() -> None:
        if not transition(TABLE, wish_id, "published", "claimed", claimer_id=actor_id, claimed_at=utcnow()):
            raise AlreadyClaimed() if status_of(TABLE, wish_id) in CLAIMED_OR_LATER else InvalidState()
        notify(wisher_id, "wish", event="claimed", title=title)
        audit.record("wish.claimed", actor=actor_id, subject_type="wishes", subject_id=wish_id,
                     before={"status": "published"}, after={"status": "claimed", "claimer_id": actor_id})

    return _done(work, wish_id)


def fulfil_wish(wish_id: int, data: dict, actor) -> Wish:
    """The claimer says how the wish was fulfilled."""
    wish = visible_wish(wish_id, actor)
    if wish.claimer_id != actor.id:
        raise Forbidden(NOT_CLAIMER)
    c = Checker(data)
    note = c.text("note", max_length=NOTE_MAX)
    c.done()
    actor_id, wisher_id, title = actor.id, wish.wisher_id, wish.title

    def work() -> None:
        if not transition(TABLE, wish_id, "claimed", "fulfilled", where=(TABLE.c.claimer_id == actor_id,),
                          fulfil_note=note, fulfilled_at=utcnow()):
            raise InvalidState()
        notify(wisher_id, "wish", event="fulfilled", title=title, note=note)
        audit.record("wish.fulfilled", actor=actor_id, subject_type="wishes", subject_id=wish_id,
                     before={"status": "claimed"}, after={"status": "fulfilled", "note": note})

    return _done(work, wish_id)


def confirm_wish(wish_id: int, data: dict, actor, key: str) -> Wish:
    """An admin closes a fulfilled wish; with a commendation type the claimer is credited its points."""
    if not _admin(actor):
        raise Forbidden()
    wish = visible_wish(wish_id, actor)
    type_ref = data.get("commendation_type")
    kind = None
    if type_ref is not None:
        kind = commendation_type_by_ref(type_ref) if isinstance(type_ref, str) else None
        if kind is None or not kind.active:
            raise ValidationFailed({"commendation_type": gettext("No such commendation type.")})
    if wish.status != "fulfilled":
        raise InvalidState()
    claimer_id, title, actor_id = wish.claimer_id, wish.title, actor.id
    if kind is not None and claimer_id == actor_id:
        raise Forbidden(OWN_CREDIT)
    credit = None
    if kind is not None:
        reason = gettext("Fulfilled the micro-wish: %(title)s", title=title)[:500]
        credit = {"type_id": kind.id, "code": kind.code, "name": kind.name, "points": kind.points,
                  "reason": reason, "body_hash": ledger.request_hash(
                      {"op": "wish_commendation", "wish_id": wish_id, "type_id": kind.id})}

    def work() -> None:
        if not transition(TABLE, wish_id, "fulfilled", "closed", closed_at=utcnow()):
            raise InvalidState()
        after = {"status": "closed"}
        if credit is not None:
            after.update(_credit_claimer(wish_id, claimer_id, credit, actor_id, key))
        else:  # with points the commendation's own message says it
            notify(claimer_id, "wish", event="closed", title=title)
        audit.record("wish.confirmed", actor=actor_id, subject_type="wishes", subject_id=wish_id,
                     before={"status": "fulfilled"}, after=after)

    return _done(work, wish_id)


def _credit_claimer(wish_id: int, claimer_id: int, credit: dict, actor_id: int, key: str) -> dict:
    """The commendation row and its ledger credit, as points/awards.py grants one (same kind, same event)."""
    table = Commendation.__table__
    record_id = db.session.execute(sa.insert(table).values(
        user_id=claimer_id, type_id=credit["type_id"], points=credit["points"], reason=credit["reason"],
        granted_by_id=actor_id, created_at=utcnow()).returning(table.c.id)).scalar_one()
    transfer = ledger.issue_to_user(
        user_id=claimer_id, amount=credit["points"], kind="commendation", key=key, body_hash=credit["body_hash"],
        actor_id=actor_id, memo=credit["reason"], source_type="commendations", source_id=record_id)
    db.session.execute(sa.update(table).where(table.c.id == record_id).values(transfer_id=transfer.id))
    db.session.execute(sa.update(TABLE).where(TABLE.c.id == wish_id).values(commendation_id=record_id))
    notify(claimer_id, "commendation", type=credit["name"], points=credit["points"], reason=credit["reason"])
    audit.record("commendation.granted", actor=actor_id, subject_type="commendations", subject_id=record_id,
                 after={"user_id": claimer_id, "type": credit["code"], "points": credit["points"],
                        "reason": credit["reason"], "transfer_id": transfer.id,
                        "balance_after": transfer.credit_balance_after, "wish_id": wish_id})
    return {"commendation_id": record_id, "points": credit["points"]}


def _done(work, wish_id: int) -> Wish:
    run_write(work)
    db.session.expire_all()
    return db.session.get(Wish, wish_id)


def board_stmt():
    """Published and claimed wishes for the public board, newest first (page by Wish.id)."""
    return sa.select(Wish).where(Wish.status.in_(("published", "claimed")))


def board_views(wishes: list[Wish]) -> list[WishView]:
    """Masked names for the board, in one query."""
    from accounts.models import User
    from core.privacy import mask_name

    ids = {w.wisher_id for w in wishes}
    names = dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    return [WishView(w.id, w.title, mask_name(names.get(w.wisher_id)), w.status) for w in wishes]
