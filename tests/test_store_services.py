"""The store's services as other areas call them: catalogue edits, allowances, keepers, audit."""

import pytest
import sqlalchemy as sa

from accounts.models import User
from audit.models import AuditEvent
from core.errors import Forbidden, ValidationFailed
from extensions import db
from redemption import services
from redemption.models import Item
from tests.factories import make_user
from tests.factories_store import counter_setup, make_item, make_store


def test_update_item_changes_details_but_never_stock_and_is_audited(app):
    s = counter_setup(app, stock=5)
    with app.app_context():
        keeper = db.session.get(User, s.keeper.id)
        item = services.update_item(s.item_id, keeper, name="新名字", price=25, active=False, monthly_limit=2,
                                    photo="0" * 32 + ".png")
        assert (item.name, item.price, item.active, item.monthly_limit, item.stock) == ("新名字", 25, False, 2, 5)
        item = services.update_item(s.item_id, keeper, monthly_limit=None)
        assert item.monthly_limit is None
        actions = db.session.execute(sa.select(AuditEvent.action).where(
            AuditEvent.subject_type == "items", AuditEvent.subject_id == s.item_id)).scalars().all()
        assert actions == ["item.created", "item.updated", "item.updated"]


@pytest.mark.parametrize("change, field", [
    ({"price": 0}, "price"), ({"price": True}, "price"), ({"name": ""}, "name"), ({"active": "yes"}, "active"),
    ({"monthly_limit": -1}, "monthly_limit"), ({"category": "x" * 41}, "category"), ({"name": "taken"}, "name"),
])
def test_update_item_refuses_bad_values(app, change, field):
    s = counter_setup(app)
    make_item(app, s.store.id, name="taken")
    with app.app_context():
        keeper = db.session.get(User, s.keeper.id)
        with pytest.raises(ValidationFailed) as refused:
            services.update_item(s.item_id, keeper, **change)
        assert field in refused.value.fields


def test_only_keepers_of_the_store_and_admins_edit_its_items(app):
    s = counter_setup(app)
    stranger = make_user(app, "store_keeper")
    with app.app_context():
        with pytest.raises(Forbidden):
            services.update_item(s.item_id, db.session.get(User, stranger.id), price=1)
        assert services.update_item(s.item_id, db.session.get(User, make_user(app, "admin").id), price=1).price == 1


def test_monthly_allowance_and_keeper_store_ids(app):
    s = counter_setup(app, points=100, price=10, stock=10, monthly_limit=3)
    free = make_item(app, s.store.id)
    second = make_store(app, s.keeper.id)
    with app.app_context():
        keeper = db.session.get(User, s.keeper.id)
        services.redeem(services.RedeemRequest(s.store.id, s.resident.id, (services.Line(s.item_id, 2),), "a1"),
                        keeper)
        assert services.monthly_allowance(s.resident.id, [s.item_id, free, 999999]) == {s.item_id: 1, free: None}
        assert services.keeper_store_ids(s.keeper.id) == sorted([s.store.id, second.id])
        assert db.session.get(Item, s.item_id).stock == 8


def test_opening_a_store_is_audited_with_its_keepers(app):
    keeper = make_user(app)
    store = make_store(app, keeper.id)
    with app.app_context():
        events = db.session.execute(sa.select(AuditEvent.action, AuditEvent.subject_id)
                                    .order_by(AuditEvent.id.desc()).limit(2)).all()
        assert ("store.created", store.id) in events and ("user.role_granted", keeper.id) in events
        assert db.session.get(User, keeper.id).has_role("store_keeper")
