"""Redemptions at two counters while the expiry run goes: lots never disagree with the balances."""

import multiprocessing
import random

import pytest
import sqlalchemy as sa

from extensions import db
from points.ledger_models import Transfer
from points.ledger_verify import verify_ledger
from points.lots_verify import verify_lots
from tests.factories import make_user
from tests.factories_expiry import credit, months_from_today, set_expiry
from tests.factories_store import make_item, make_store

RESIDENTS, PRICE, ATTEMPTS = 4, 10, 12


def counter(database_url: str, keeper_id: int, store_id: int, resident_ids: list[int], item_id: int, seed: int) -> int:
    """One keeper's counter in its own process: ATTEMPTS one-unit redemptions for random residents."""
    from accounts.models import User
    from app import create_app
    from core.errors import DomainError
    from redemption import services

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url})
    rng, done = random.Random(seed), 0
    with app.test_request_context():
        keeper = db.session.get(User, keeper_id)
        for n in range(ATTEMPTS):
            req = services.RedeemRequest(store_id, rng.choice(resident_ids), (services.Line(item_id, 1),),
                                         key=f"counter:{seed}:{n}")
            try:
                services.redeem(req, keeper)
                done += 1
            except DomainError:
                pass
        db.session.remove()
        db.engine.dispose()
    return done


def expiry_runs(database_url: str, day_iso: str) -> int:
    """The expiry run, three times over, one account per transaction to interleave with the counters."""
    from datetime import date

    from app import create_app
    from points.expiry import expire_due

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url})
    entries = 0
    with app.app_context():
        for _ in range(3):
            entries += expire_due(date.fromisoformat(day_iso), chunk=1).entries
        db.session.remove()
        db.engine.dispose()
    return entries


@pytest.mark.slow
def test_counters_and_the_expiry_run_together_keep_lots_equal_to_balances(app, database_url):
    keepers = [make_user(app, "store_keeper") for _ in range(2)]
    residents = [make_user(app) for _ in range(RESIDENTS)]
    store = make_store(app, *(k.id for k in keepers))
    item_id = make_item(app, store.id, price=PRICE, stock=100)
    set_expiry(app, 6)
    for r in residents:
        credit(app, r.id, 30)
    set_expiry(app, 36)
    for r in residents:
        credit(app, r.id, 30)
    ids = [r.id for r in residents]
    day = months_from_today(6).isoformat()

    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool:
        counters = [pool.apply_async(counter, (database_url, k.id, store.id, ids, item_id, seed))
                    for seed, k in enumerate(keepers)]
        expired = pool.apply_async(expiry_runs, (database_url, day))
        sold = sum(c.get(timeout=300) for c in counters)
        entries = expired.get(timeout=300)

    assert sold > 0
    with app.app_context():
        assert verify_lots() == [] and verify_ledger() == []
        per_resident = db.session.execute(sa.select(Transfer.debit_account_id, sa.func.count())
                                          .where(Transfer.kind == "expiry").group_by(Transfer.debit_account_id)).all()
        assert all(count == 1 for _, count in per_resident) and len(per_resident) == entries
        # What is left expiring on the day is all gone; the 36-month points paid for the rest.
        left = db.session.execute(sa.text(
            "SELECT COALESCE(SUM(remaining), 0) FROM point_lots WHERE expires_on <= :day"), {"day": day}).scalar()
        db.session.rollback()
    assert int(left) == 0
