"""Commendations and manual adjustments: an admin credits (or deducts) points with a reason.

Nobody grants themselves a commendation or adjusts their own account (403 forbidden).
Plan → write: validation and the replay check come first; the write is inserts and the
ledger's conditional updates only. Each posts exactly one ledger transfer under the caller's idempotency key: the same
request again returns the record made the first time; the same key with another
request is an IdempotencyConflict. Nothing is saved when anything is refused.
"""

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from accounts.models import User
from audit import service as audit
from core.db import run_write
from core.errors import Forbidden, IdempotencyConflict, ValidationFailed
from core.timeutil import utcnow
from core.validate import MAX_SAFE_INT
from extensions import db
from notifications.services import notify
from points import ledger
from points.ledger_models import Transfer
from points.models import Adjustment, Commendation
from points.setup_services import commendation_type_by_ref

MAX_ADJUSTMENT = 100000
MAX_REASON = 500
OWN_COMMENDATION = _l("Nobody may grant themselves a commendation; another admin must do it.")
OWN_ADJUSTMENT = _l("Nobody may adjust their own account; another admin must do it.")


def _require_admin(actor) -> None:
    if actor is not None and not actor.has_role("admin"):
        raise Forbidden()


def reason_problem(reason) -> str | None:
    """Why reason is not an acceptable reason (required, ≤ 500 characters, printable)."""
    if not isinstance(reason, str) or not reason.strip():
        return gettext("A reason is required.")
    if any(ord(c) < 32 and c not in "\t\n\r" for c in reason):
        return gettext("Contains characters that are not allowed.")
    if len(reason.strip()) > MAX_REASON:
        return gettext("At most %(n)s characters.", n=MAX_REASON)
    return None


def nonzero_message() -> str:
    return gettext("A whole number from -%(max)s to %(max)s, not 0.", max=MAX_ADJUSTMENT)


def find_person(user_id, *, active_only: bool) -> User | None:
    if isinstance(user_id, bool) or not isinstance(user_id, int) or not 1 <= user_id <= MAX_SAFE_INT:
        return None
    user = db.session.get(User, user_id)
    if user is None or (active_only and not user.active):
        return None
    return user


def check_key(key) -> None:
    if not isinstance(key, str) or not 1 <= len(key) <= 300:
        raise ValueError("an idempotency key of 1–300 characters is required")


def replayed_record(key: str, body_hash: str, model):
    """The record posted before under key (same request), None if the key is new."""
    transfer = ledger.find_replay(key, body_hash)
    if transfer is None:
        return None
    if transfer.source_type != model.__tablename__ or transfer.source_id is None:
        raise IdempotencyConflict()
    return db.session.get(model, transfer.source_id)


def balance_after(record: Commendation | Adjustment) -> int:
    """The person's balance right after this record's transfer (the same on a replay)."""
    transfer = db.session.get(Transfer, record.transfer_id)
    account_id = ledger.user_account_id(record.user_id)
    if transfer.credit_account_id == account_id:
        return transfer.credit_balance_after
    return transfer.debit_balance_after


def refuse_self(user_id, actor, message) -> None:
    """Separation of duties: nobody moves points to (or from) their own account."""
    if actor is not None and user_id == actor.id:
        raise Forbidden(message)


def _post_once(work, key: str, body_hash: str, model):
    """Run the write; a twin request that won the idempotency-key race is answered with its record."""
    try:
        return run_write(work)
    except IntegrityError:
        db.session.rollback()
        again = replayed_record(key, body_hash, model)
        if again is None:
            raise
        return again


def _insert_returning_id(table, values: dict) -> int:
    return db.session.execute(sa.insert(table).values(**values).returning(table.c.id)).scalar_one()


def post_commendation(*, user_id: int, type_id: int, type_code: str, type_name: str, points: int, reason: str,
                      actor_id: int | None, key: str, body_hash: str, notify_person: bool = True) -> int:
    """Inside a write: the commendation row, its credit through the ledger, the message and the audit event.

    Shared by direct grants and by nominations granted when their public notice ends
    (notices.services), so both post the same way. Returns the commendation's id.
    """
    table = Commendation.__table__
    record_id = _insert_returning_id(table, {
        "user_id": user_id, "type_id": type_id, "points": points, "reason": reason,
        "granted_by_id": actor_id, "created_at": utcnow()})
    transfer = ledger.issue_to_user(
        user_id=user_id, amount=points, kind="commendation", key=key, body_hash=body_hash,
        actor_id=actor_id, memo=reason, source_type=Commendation.__tablename__, source_id=record_id,
    )
    db.session.execute(sa.update(table).where(table.c.id == record_id).values(transfer_id=transfer.id))
    if notify_person:
        notify(user_id, "commendation", type=type_name, points=points, reason=reason)
    audit.record("commendation.granted", actor=actor_id, subject_type=Commendation.__tablename__,
                 subject_id=record_id, after={
                     "user_id": user_id, "type": type_code, "points": points, "reason": reason,
                     "transfer_id": transfer.id, "balance_after": transfer.credit_balance_after,
                 })
    return record_id


def grant_commendation(user_id: int, type_ref: str, reason: str, actor, key: str) -> Commendation:
    """Credit the type's points to the person from the issuing account, with a reason."""
    _require_admin(actor)
    refuse_self(user_id, actor, OWN_COMMENDATION)
    check_key(key)
    errors = {}
    if find_person(user_id, active_only=True) is None:
        errors["user_id"] = gettext("No such active person.")
    kind = commendation_type_by_ref(type_ref)
    if kind is None or not kind.active:
        errors["type"] = gettext("No such commendation type.")
    problem = reason_problem(reason)
    if problem:
        errors["reason"] = problem
    if errors:
        raise ValidationFailed(errors)
    reason = reason.strip()
    type_id, type_code, type_name, points = kind.id, kind.code, kind.name, kind.points
    body_hash = ledger.request_hash({
        "op": "commendation", "user_id": user_id, "type_id": type_id, "reason": reason,
    })
    actor_id = getattr(actor, "id", None)
    again = replayed_record(key, body_hash, Commendation)
    if again is not None:
        return again

    def work() -> int:
        return post_commendation(user_id=user_id, type_id=type_id, type_code=type_code, type_name=type_name,
                                 points=points, reason=reason, actor_id=actor_id, key=key, body_hash=body_hash)

    result = _post_once(work, key, body_hash, Commendation)
    return result if isinstance(result, Commendation) else db.session.get(Commendation, result)


def adjust_points(user_id: int, points: int, reason: str, actor, key: str) -> Adjustment:
    """A manual correction: credit (points > 0) or deduct (points < 0, never below zero)."""
    _require_admin(actor)
    refuse_self(user_id, actor, OWN_ADJUSTMENT)
    check_key(key)
    errors = {}
    if find_person(user_id, active_only=False) is None:
        errors["user_id"] = gettext("No such person.")
    if isinstance(points, bool) or not isinstance(points, int) or points == 0 or abs(points) > MAX_ADJUSTMENT:
        errors["points"] = nonzero_message()
    problem = reason_problem(reason)
    if problem:
        errors["reason"] = problem
    if errors:
        raise ValidationFailed(errors)
    reason = reason.strip()
    body_hash = ledger.request_hash({"op": "adjustment", "user_id": user_id, "points": points, "reason": reason})
    actor_id = getattr(actor, "id", None)
    again = replayed_record(key, body_hash, Adjustment)
    if again is not None:
        return again
    values = {"user_id": user_id, "points": points, "reason": reason, "made_by_id": actor_id,
              "created_at": utcnow()}
    table = Adjustment.__table__

    def work() -> int:
        record_id = _insert_returning_id(table, values)
        common = dict(user_id=user_id, amount=abs(points), kind="adjustment", key=key, body_hash=body_hash,
                      actor_id=actor_id, memo=reason, source_type=Adjustment.__tablename__,
                      source_id=record_id)
        if points > 0:
            transfer = ledger.issue_to_user(**common)
            after = transfer.credit_balance_after
        else:
            transfer = ledger.take_from_user(**common)  # InsufficientPoints: all rolled back
            after = transfer.debit_balance_after
        db.session.execute(sa.update(table).where(table.c.id == record_id).values(transfer_id=transfer.id))
        notify(user_id, "adjustment", points=points, reason=reason)
        audit.record("points.adjusted", actor=actor_id, subject_type=Adjustment.__tablename__,
                     subject_id=record_id, after={
                         "user_id": user_id, "points": points, "reason": reason,
                         "transfer_id": transfer.id, "balance_after": after,
                     })
        return record_id

    result = _post_once(work, key, body_hash, Adjustment)
    return result if isinstance(result, Adjustment) else db.session.get(Adjustment, result)


def recent_commendations(limit: int = 20) -> list[Commendation]:
    return list(db.session.execute(
        sa.select(Commendation).order_by(Commendation.id.desc()).limit(limit)
    ).scalars())


def recent_adjustments(limit: int = 20) -> list[Adjustment]:
    return list(db.session.execute(
        sa.select(Adjustment).order_by(Adjustment.id.desc()).limit(limit)
    ).scalars())
