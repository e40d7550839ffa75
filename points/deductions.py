"""Deduction types and deductions (扣分): an admin takes a type's points, never below zero.

A deduction takes the type's points, or the whole balance when that is less. The amount is
decided inside the write from the balance read there and taken by the ledger's conditional
debit (balance >= amount, re-checked under the row lock): a concurrent spend that got there
first makes the debit match nothing, and the attempt is rolled back and run again on the new
balance. Nothing ever goes below zero and nothing is taken twice (the idempotency key).
"""

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from audit import service as audit
from core.db import run_write
from core.errors import Forbidden, InsufficientPoints, ValidationFailed
from core.timeutil import utcnow
from extensions import db
from notifications.services import notify
from points import ledger
from points.awards import check_key, find_person, reason_problem, refuse_self, replayed_record
from points.deduction_models import Deduction, DeductionType
from points.setup_services import _code_problem, _int_problem, _raise_if, _text_problem

MAX_DEDUCTION_POINTS = 10000
ATTEMPTS = 5  # rounds against concurrent spending before giving up (each one saw a new balance)
OWN_DEDUCTION = _l("Nobody may deduct from their own account; another admin must do it.")


def _require_admin(actor) -> None:
    if actor is None or not actor.has_role("admin"):
        raise Forbidden()


def list_types(active_only: bool = False) -> list[DeductionType]:
    stmt = sa.select(DeductionType).order_by(DeductionType.id)
    if active_only:
        stmt = stmt.where(DeductionType.active.is_(True))
    return list(db.session.execute(stmt).scalars())


def type_by_ref(ref) -> DeductionType | None:
    """The type with this code, else with this name."""
    if not isinstance(ref, str) or not ref.strip() or len(ref) > 60:
        return None
    ref = ref.strip()
    found = db.session.execute(sa.select(DeductionType).where(DeductionType.code == ref)).scalar_one_or_none()
    if found is None:
        found = db.session.execute(sa.select(DeductionType).where(DeductionType.name == ref)
                                   .order_by(DeductionType.id)).scalars().first()
    return found


def create_type(code, name, points, actor) -> DeductionType:
    """A new kind of deduction worth a fixed number of points (1–10000); audited."""
    _require_admin(actor)
    _raise_if({"code": _code_problem(code), "name": _text_problem(name, 60),
               "points": _int_problem(points, 1, MAX_DEDUCTION_POINTS)})
    table = DeductionType.__table__

    def work() -> int:
        errors = {}
        if db.session.execute(sa.select(table.c.id).where(table.c.code == code)).first():
            errors["code"] = gettext("A deduction type with this code exists.")
        if db.session.execute(sa.select(table.c.id).where(table.c.name == name.strip())).first():
            errors["name"] = gettext("A deduction type with this name exists.")
        _raise_if(errors)
        type_id = db.session.execute(sa.insert(table).values(
            code=code, name=name.strip(), points=points, active=True).returning(table.c.id)).scalar_one()
        audit.record("deduction_type.created", actor=actor.id, subject_type="deduction_types", subject_id=type_id,
                     after={"code": code, "name": name.strip(), "points": points})
        return type_id

    try:
        type_id = run_write(work)
    except IntegrityError:  # a concurrent twin took the code first (the unique key decides)
        db.session.rollback()
        raise ValidationFailed({"code": gettext("A deduction type with this code exists.")}) from None
    return db.session.get(DeductionType, type_id)


def balance_after(record: Deduction) -> int:
    from points.ledger_models import Transfer

    return db.session.get(Transfer, record.transfer_id).debit_balance_after


def deduct(user_id, type_ref, reason, actor, key: str) -> Deduction:
    """Take the type's points (or the whole balance if less) from the person, with a reason."""

    _require_admin(actor)
    refuse_self(user_id, actor, OWN_DEDUCTION)
    check_key(key)
    errors = {}
    if find_person(user_id, active_only=False) is None:
        errors["user_id"] = gettext("No such person.")
    kind = type_by_ref(type_ref)
    if kind is None or not kind.active:
        errors["type"] = gettext("No such deduction type.")
    problem = reason_problem(reason)
    if problem:
        errors["reason"] = problem
    if errors:
        raise ValidationFailed(errors)
    reason = reason.strip()
    type_id, type_code, type_name, points = kind.id, kind.code, kind.name, kind.points
    body_hash = ledger.request_hash({"op": "deduction", "user_id": user_id, "type_id": type_id, "reason": reason})
    again = replayed_record(key, body_hash, Deduction)
    if again is not None:
        return again
    table = Deduction.__table__
    attempts = []

    def work() -> int:
        attempts.append(1)
        if len(attempts) > 1 and (replay := replayed_record(key, body_hash, Deduction)) is not None:
            return replay.id  # a concurrent twin with the same key committed first
        balance = ledger.user_balance(user_id)
        amount = min(points, balance)
        if amount <= 0:
            raise InsufficientPoints(gettext("The balance is 0: there is nothing to deduct."))
        record_id = db.session.execute(sa.insert(table).values(
            user_id=user_id, type_id=type_id, points=amount, reason=reason, made_by_id=actor.id,
            created_at=utcnow()).returning(table.c.id)).scalar_one()
        transfer = ledger.take_from_user(
            user_id=user_id, amount=amount, kind="deduction", key=key, body_hash=body_hash, actor_id=actor.id,
            memo=f"{type_name}: {reason}", source_type=Deduction.__tablename__, source_id=record_id)
        db.session.execute(sa.update(table).where(table.c.id == record_id).values(transfer_id=transfer.id))
        notify(user_id, "deduction", points=amount, type=type_name, reason=reason)
        audit.record("points.deducted", actor=actor.id, subject_type=Deduction.__tablename__, subject_id=record_id,
                     before={"balance": balance},
                     after={"user_id": user_id, "type": type_code, "type_points": points, "points": amount,
                            "reason": reason, "transfer_id": transfer.id,
                            "balance_after": transfer.debit_balance_after})
        return record_id

    for attempt in range(1, ATTEMPTS + 1):
        try:
            record_id = run_write(work)
            break
        except InsufficientPoints:
            db.session.rollback()
            # Spent meanwhile: the debit matched nothing. Try again on the new balance unless it is 0.
            if attempt == ATTEMPTS or ledger.user_balance(user_id) == 0:
                raise
        except IntegrityError:
            db.session.rollback()
            replay = replayed_record(key, body_hash, Deduction)  # a twin with the same key won the race
            if replay is None:
                raise
            return replay
    return db.session.get(Deduction, record_id)


def recent_deductions(limit: int = 20) -> list[Deduction]:
    return list(db.session.execute(sa.select(Deduction).order_by(Deduction.id.desc()).limit(limit)).scalars())
