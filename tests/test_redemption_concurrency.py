"""Two keepers in two OS processes hammer one resident and one item: nothing overdraws or oversells."""

import multiprocessing
import random

import pytest
import sqlalchemy as sa

from extensions import db
from points.ledger_models import Account
from redemption.models import Item, Redemption
from redemption.verify import verify_store
from tests.factories import make_user
from tests.factories_store import give_points, make_item, make_store

POINTS, PRICE, STOCK, ATTEMPTS = 150, 10, 12, 15  # 2 × 15 attempts of 1–3 units: both limits bite


def hammer(database_url: str, keeper_id: int, store_id: int, resident_id: int, item_id: int, seed: int) -> dict:
    """One keeper's counter, in its own process: ATTEMPTS redemptions, tallied by outcome."""
    from accounts.models import User
    from app import create_app
    from core.errors import DomainError
    from redemption import services

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url})
    rng = random.Random(seed)
    tally = {"ok": 0, "units": 0, "points": 0}
    with app.test_request_context():  # gettext picks the locale from a request (app.select_locale)
        keeper = db.session.get(User, keeper_id)
        for n in range(ATTEMPTS):
            quantity = rng.randint(1, 3)
            req = services.RedeemRequest(store_id, resident_id, (services.Line(item_id, quantity),),
                                         key=f"hammer:{seed}:{n}")
            try:
                redemption = services.redeem(req, keeper)
            except DomainError as refused:
                tally[refused.code] = tally.get(refused.code, 0) + 1
                continue
            tally["ok"] += 1
            tally["units"] += quantity
            tally["points"] += redemption.total_points
        db.session.remove()
        db.engine.dispose()
    return tally


@pytest.mark.slow
def test_two_keepers_in_two_processes_never_overdraw_or_oversell(app, database_url):
    keepers = [make_user(app, "store_keeper") for _ in range(2)]
    resident = make_user(app)
    store = make_store(app, *(k.id for k in keepers))
    item_id = make_item(app, store.id, price=PRICE, stock=STOCK)
    give_points(app, resident.id, POINTS)

    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        tallies = pool.starmap(hammer, [(database_url, k.id, store.id, resident.id, item_id, seed)
                                        for seed, k in enumerate(keepers, start=1)])

    ok = sum(t["ok"] for t in tallies)
    units = sum(t["units"] for t in tallies)
    spent = sum(t["points"] for t in tallies)
    refusals = {code for t in tallies for code in t if code not in ("ok", "units", "points")}
    assert ok + sum(t.get(code, 0) for t in tallies for code in refusals) == 2 * ATTEMPTS
    assert ok > 0 and refusals <= {"out_of_stock", "insufficient_points"}, tallies
    with app.app_context():
        balance = db.session.execute(sa.select(Account.credits_posted - Account.debits_posted)
                                     .where(Account.user_id == resident.id)).scalar_one()
        stock = db.session.get(Item, item_id).stock
        store_account = db.session.execute(sa.select(Account).where(Account.id == store.account_id)).scalar_one()
        assert balance >= 0 and stock >= 0
        assert spent == units * PRICE == POINTS - balance == store_account.balance
        assert stock + units == STOCK
        assert db.session.execute(sa.select(sa.func.count(Redemption.id))).scalar() == ok
        assert db.session.execute(sa.select(sa.func.sum(Account.credits_posted - Account.debits_posted))).scalar() == 0
        assert verify_store() == []
        from points.ledger_verify import verify_ledger
        assert verify_ledger() == []
