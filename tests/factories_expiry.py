"""Factories for the expiry tests: a policy row, credits and spending, and a view of a person's lots."""

import json
from datetime import date
from uuid import uuid4

import sqlalchemy as sa

from core.db import run_write
from core.timeutil import shanghai_today
from extensions import db
from points import ledger
from points.lots import add_months
from points.lots_models import LotDraw, PointLot
from policy.current import Policy
from policy.models import PolicyVersion


def set_expiry(app, months: int | None) -> None:
    """Put a policy in force with this expiry (as the policy settings page would, without its API)."""
    settings = Policy(expiry_months=months).settings_json()
    with app.app_context():
        db.session.add(PolicyVersion(settings=json.dumps(settings)))
        db.session.commit()


def credit(app, user_id: int, amount: int, kind: str = "adjustment") -> int:
    """Credit a person from the issuing account; returns the transfer id."""
    key = f"test-credit:{uuid4().hex}"
    with app.app_context():
        return run_write(lambda: ledger.issue_to_user(
            user_id=user_id, amount=amount, kind=kind, key=key, body_hash=ledger.request_hash(key),
            actor_id=None, memo="test", source_type="test", source_id=0)).id


def debit(app, user_id: int, amount: int) -> int:
    """Take points from a person into the issuing account; returns the transfer id."""
    key = f"test-debit:{uuid4().hex}"
    with app.app_context():
        return run_write(lambda: ledger.take_from_user(
            user_id=user_id, amount=amount, kind="adjustment", key=key, body_hash=ledger.request_hash(key),
            actor_id=None, memo="test", source_type="test", source_id=0)).id


def reverse(app, transfer_id: int) -> int:
    with app.app_context():
        return run_write(lambda: ledger.reverse(transfer_id, key=f"test-reverse:{uuid4().hex}",
                                                actor_id=None, memo="test")).id


def lots_of(app, user_id: int) -> list[tuple[int, int, date | None]]:
    """(amount, remaining, expires_on) of each of the person's lots, oldest first."""
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(PointLot.amount, PointLot.remaining, PointLot.expires_on)
            .where(PointLot.account_id == ledger.user_account_id(user_id)).order_by(PointLot.id)).all()]


def draws_of(app, transfer_id: int) -> list[tuple[date | None, int]]:
    """(the lot's expires_on, amount) of each draw a transfer made."""
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(PointLot.expires_on, LotDraw.amount).join(PointLot, PointLot.id == LotDraw.lot_id)
            .where(LotDraw.transfer_id == transfer_id).order_by(LotDraw.lot_id)).all()]


def months_from_today(months: int) -> date:
    return add_months(shanghai_today(), months)
