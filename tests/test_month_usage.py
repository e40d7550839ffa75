"""The monthly-limit counters agree with the redemptions; verify names a counter edited behind the app."""

import sqlalchemy as sa

from extensions import db
from redemption import services
from redemption.models import ItemMonthUsage
from redemption.usage import rebuild_month_usage, verify_month_usage
from tests.factories_points import load_user
from tests.factories_store import counter_setup


def test_counters_follow_redemptions_and_voids_and_a_tampered_one_is_named_and_rebuilt(app):
    s = counter_setup(app, points=100, monthly_limit=3)
    with app.app_context():
        keeper = load_user(s.keeper.id)
        first = services.redeem(services.RedeemRequest(s.store.id, s.resident.id, (services.Line(s.item_id, 2),),
                                                       "u1"), keeper)
        services.redeem(services.RedeemRequest(s.store.id, s.resident.id, (services.Line(s.item_id, 1),), "u2"),
                        keeper)
        assert verify_month_usage() == []
        services.void_redemption(first.id, "扫错了", load_user(s.keeper.id))
        assert verify_month_usage() == []
        assert db.session.execute(sa.select(ItemMonthUsage.quantity)).scalar_one() == 1
        db.session.execute(sa.update(ItemMonthUsage).values(quantity=0))
        db.session.commit()
        [problem] = verify_month_usage()
        assert f"item {s.item_id}" in problem and "stored 0" in problem and "redemptions say 1" in problem
        rebuild_month_usage()
        assert verify_month_usage() == []
