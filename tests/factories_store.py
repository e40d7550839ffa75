"""Factories for the store's tests: stores, items, points and a snapshot of what may not change."""

import itertools
from types import SimpleNamespace
from uuid import uuid4

import sqlalchemy as sa

from core.db import run_write
from extensions import db
from points import ledger
from redemption import services
from redemption.models import Item, Redemption, StockMovement, Store
from tests.factories import make_user

_counter = itertools.count(1)


def make_store(app, *keeper_ids: int, name: str | None = None) -> SimpleNamespace:
    """A store kept by keeper_ids; returns id and account_id."""
    with app.app_context():
        store = services.create_store(name or f"积分超市{next(_counter)}", None, list(keeper_ids), actor=None)
        return SimpleNamespace(id=store.id, account_id=store.account_id, name=store.name)


def make_item(app, store_id: int, *, price: int = 10, stock: int = 5, monthly_limit: int | None = None,
              active: bool = True, name: str | None = None) -> int:
    """An item with its opening stock; returns its id."""
    with app.app_context():
        item = services.create_item(services.NewItem(
            store_id=store_id, name=name or f"商品{next(_counter)}", price=price, stock=stock,
            monthly_limit=monthly_limit, active=active), actor=None)
        return item.id


def give_points(app, user_id: int, amount: int) -> None:
    """Credit a person from the issuing account."""
    key = f"test-award:{uuid4().hex}"
    with app.app_context():
        run_write(lambda: ledger.issue_to_user(
            user_id=user_id, amount=amount, kind="adjustment", key=key, body_hash=ledger.request_hash(key),
            actor_id=None, memo="test", source_type="test", source_id=0))


def counter_setup(app, *, points: int = 100, price: int = 10, stock: int = 5, monthly_limit=None):
    """A store with a keeper (and token-ready users), an item and a resident holding points."""
    keeper = make_user(app, "store_keeper")
    resident = make_user(app)
    store = make_store(app, keeper.id)
    item_id = make_item(app, store.id, price=price, stock=stock, monthly_limit=monthly_limit)
    if points:
        give_points(app, resident.id, points)
    return SimpleNamespace(keeper=keeper, resident=resident, store=store, item_id=item_id)


def snapshot(app, resident_id: int) -> dict:
    """Everything a refused redemption must leave untouched."""
    with app.app_context():
        return {
            "balance": ledger.user_balance(resident_id),
            "stock": dict(db.session.execute(sa.select(Item.id, Item.stock)).all()),
            "movements": db.session.execute(sa.select(sa.func.count(StockMovement.id))).scalar(),
            "redemptions": db.session.execute(sa.select(sa.func.count(Redemption.id))).scalar(),
        }


def stock_of(app, item_id: int) -> int:
    with app.app_context():
        return db.session.get(Item, item_id).stock


def store_balance(app, store_id: int) -> int:
    with app.app_context():
        return ledger.account_balance(db.session.get(Store, store_id).account_id)
