"""Nominations with public notice (公示): nominate → review → notice → (objection → resolve) → granted.

Each use case plans (validate, load; no lock), then writes inside ONE run_write: a conditional
UPDATE … WHERE status = … (0 rows: someone else decided first, nothing is saved), the nominee's
message and the audit event. Points move only when close-notices grants (notices/closing.py).

Days are Shanghai calendar days. notice_ends is the LAST day of the notice: objections are
accepted up to and including it, and close-notices grants from the day after (once it "has passed").
"""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from accounts.models import User
from audit import service as audit
from core.db import run_write
from core.errors import AlreadyDecided, Forbidden, NotFound, NoticeClosed, NotTeamLead, ValidationFailed
from core.timeutil import shanghai_today, utcnow
from core.validate import MAX_ID
from extensions import db
from notices.models import OPEN_TO_OBJECTION, Nomination, NominationObjection
from notifications.services import notify
from points.awards import reason_problem
from points.models import TeamMember
from points.setup_services import commendation_type_by_ref
from policy.current import current_policy

OWN_NOMINATION = _l("Nobody may nominate themselves.")
OWN_REVIEW = _l("Nobody may review or resolve their own nomination; another admin must do it.")
ALREADY_DECIDED = _l("This nomination has already been decided.")
REVIEW_DECISIONS = ("approve", "reject")
RESOLVE_DECISIONS = ("uphold", "dismiss")


@dataclass(frozen=True)
class Decision:
    status: str
    notice_ends: date | None


def _valid_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def leads_a_team_of(lead_id: int, person_id: int) -> bool:
    """True when lead_id is marked lead of a team person_id belongs to (the caller checks the role)."""
    mine, theirs = sa.orm.aliased(TeamMember), sa.orm.aliased(TeamMember)
    return db.session.execute(
        sa.select(mine.team_id).join(theirs, theirs.team_id == mine.team_id)
        .where(mine.user_id == lead_id, mine.is_lead.is_(True), theirs.user_id == person_id).limit(1)
    ).first() is not None


def load(nomination_id) -> Nomination:
    """The nomination, or NotFound."""
    found = db.session.get(Nomination, nomination_id) if _valid_id(nomination_id) else None
    if found is None:
        raise NotFound()
    return found


def visible_to(nomination: Nomination, viewer) -> bool:
    """Admins and auditors read every nomination; the nominee reads their own."""
    return viewer.has_role("admin", "auditor") or viewer.id == nomination.user_id


def _reason(errors: dict, reason, *, required: bool = True) -> str | None:
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        if required:
            errors["reason"] = gettext("A reason is required.")
        return None
    problem = reason_problem(reason)
    if problem:
        errors["reason"] = problem
        return None
    return reason.strip()


def _message(nomination_id: int, user_id: int, type_name: str, status: str, **extra) -> None:
    notify(user_id, "nomination", nomination_id=nomination_id, type=type_name, status=status, **extra)


def nominate(user_id, type_ref, reason, actor) -> int:
    """An admin, or a lead for a member of a team they lead, proposes a commendation; → nominated."""
    if not actor.has_role("admin", "team_lead"):
        raise Forbidden()
    if _valid_id(user_id) and user_id == actor.id:
        raise Forbidden(OWN_NOMINATION)
    person = db.session.get(User, user_id) if _valid_id(user_id) else None
    if person is not None and not actor.has_role("admin") and not leads_a_team_of(actor.id, user_id):
        raise NotTeamLead(_l("You can only nominate members of a team you lead."))
    errors: dict = {}
    if person is None or not person.active:
        errors["user_id"] = gettext("No such active person.")
    kind = commendation_type_by_ref(type_ref) if isinstance(type_ref, str) else None
    if kind is None or not kind.active:
        errors["type"] = gettext("No such commendation type.")
    reason = _reason(errors, reason)
    if errors:
        raise ValidationFailed(errors)
    values = {"user_id": user_id, "type_id": kind.id, "points": kind.points, "reason": reason,
              "status": "nominated", "nominated_by_id": actor.id, "created_at": utcnow()}
    type_code, type_name, actor_id = kind.code, kind.name, actor.id
    table = Nomination.__table__

    def work() -> int:
        new_id = db.session.execute(sa.insert(table).values(**values).returning(table.c.id)).scalar_one()
        _message(new_id, user_id, type_name, "nominated")
        audit.record("nomination.created", actor=actor_id, subject_type=table.name, subject_id=new_id, after={
            "user_id": user_id, "type": type_code, "points": values["points"], "reason": reason,
            "status": "nominated"})
        return new_id

    return run_write(work)


def _refuse_own(nomination: Nomination, actor) -> None:
    if not actor.has_role("admin"):
        raise Forbidden()
    if nomination.user_id == actor.id:
        raise Forbidden(OWN_REVIEW)


def _choice(errors: dict, decision, allowed: tuple[str, ...]) -> str | None:
    if decision not in allowed:
        errors["decision"] = gettext("Must be one of: %(choices)s.", choices=", ".join(allowed))
        return None
    return decision


def _transition(nomination_id: int, from_statuses: tuple[str, ...], values: dict, *, extra_where=()) -> bool:
    """The conditional UPDATE every step rests on: True when this request moved the nomination."""
    table = Nomination.__table__
    moved = db.session.execute(
        sa.update(table).where(table.c.id == nomination_id, table.c.status.in_(from_statuses), *extra_where)
        .values(**values).returning(table.c.id)).first()
    return moved is not None


def review(nomination_id, decision, reason, actor, today: date | None = None) -> Decision:
    """approve → in_notice until today + notice_days; reject → rejected. Twice: AlreadyDecided."""
    nomination = load(nomination_id)
    _refuse_own(nomination, actor)
    errors: dict = {}
    decision = _choice(errors, decision, REVIEW_DECISIONS)
    reason = _reason(errors, reason, required=decision == "reject")
    if errors:
        raise ValidationFailed(errors)
    if nomination.status != "nominated":
        raise AlreadyDecided(ALREADY_DECIDED)
    now = utcnow()
    if decision == "approve":
        ends = (today or shanghai_today()) + timedelta(days=current_policy().notice_days)
        values = {"status": "in_notice", "notice_ends": ends}
    else:
        ends = None
        values = {"status": "rejected", "decided_at": now}
    values.update(reviewed_by_id=actor.id, reviewed_at=now, review_reason=reason)
    target = (nomination.id, nomination.user_id, nomination.type.name, actor.id)

    def work() -> Decision:
        if not _transition(target[0], ("nominated",), values):
            raise AlreadyDecided(ALREADY_DECIDED)  # another admin decided first; nothing saved
        extra = {"notice_ends": ends.isoformat()} if ends else {"reason": reason or ""}
        _message(target[0], target[1], target[2], values["status"], **extra)
        audit.record("nomination.reviewed", actor=target[3], subject_type="nominations", subject_id=target[0],
                     before={"status": "nominated"},
                     after={"status": values["status"], "decision": decision, "reason": reason,
                            "notice_ends": ends.isoformat() if ends else None})
        return Decision(values["status"], ends)

    return run_write(work)


def object_to(nomination_id, reason, actor, today: date | None = None) -> int:
    """Anyone signed in objects while the notice runs (through notice_ends); → objected."""
    nomination = load(nomination_id)
    if nomination.status == "nominated":
        raise NotFound()  # not posted yet: nothing public to object to
    errors: dict = {}
    reason = _reason(errors, reason)
    if errors:
        raise ValidationFailed(errors)
    today = today or shanghai_today()
    if nomination.status not in OPEN_TO_OBJECTION or nomination.notice_ends < today:
        raise NoticeClosed()
    table = NominationObjection.__table__
    before = nomination.status
    target = (nomination.id, nomination.user_id, nomination.type.name, nomination.notice_ends)
    actor_id = actor.id

    def work() -> int:
        if not _transition(target[0], OPEN_TO_OBJECTION, {"status": "objected"},
                           extra_where=(Nomination.__table__.c.notice_ends >= today,)):
            raise NoticeClosed()
        objection_id = db.session.execute(sa.insert(table).values(
            nomination_id=target[0], objector_id=actor_id, reason=reason, created_at=utcnow(),
        ).returning(table.c.id)).scalar_one()
        # The nominee learns that someone objected, not who.
        _message(target[0], target[1], target[2], "objected", notice_ends=target[3].isoformat())
        audit.record("nomination.objected", actor=actor_id, subject_type="nominations", subject_id=target[0],
                     before={"status": before},
                     after={"status": "objected", "objection_id": objection_id, "reason": reason})
        return objection_id

    return run_write(work)


def resolve(nomination_id, decision, reason, actor) -> Decision:
    """An admin settles the objections: uphold → rejected; dismiss → in_notice, same end date."""
    nomination = load(nomination_id)
    _refuse_own(nomination, actor)
    errors: dict = {}
    decision = _choice(errors, decision, RESOLVE_DECISIONS)
    reason = _reason(errors, reason, required=decision == "uphold")
    if errors:
        raise ValidationFailed(errors)
    if nomination.status != "objected":
        raise AlreadyDecided(ALREADY_DECIDED)
    now = utcnow()
    status = "rejected" if decision == "uphold" else "in_notice"
    values = {"status": status, "decided_at": now} if status == "rejected" else {"status": status}
    target = (nomination.id, nomination.user_id, nomination.type.name, nomination.notice_ends, actor.id)
    objections = NominationObjection.__table__

    def work() -> Decision:
        if not _transition(target[0], ("objected",), values):
            raise AlreadyDecided(ALREADY_DECIDED)
        db.session.execute(sa.update(objections).where(
            objections.c.nomination_id == target[0], objections.c.outcome.is_(None)).values(
            outcome="upheld" if decision == "uphold" else "dismissed", resolved_by_id=target[4],
            resolved_at=now, resolution_reason=reason))
        _message(target[0], target[1], target[2], status, notice_ends=target[3].isoformat(), reason=reason or "")
        audit.record("nomination.resolved", actor=target[4], subject_type="nominations", subject_id=target[0],
                     before={"status": "objected"},
                     after={"status": status, "decision": decision, "reason": reason})
        return Decision(status, target[3])

    return run_write(work)
