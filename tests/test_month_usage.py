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


def test_each_item_is_held_to_its_own_limit_when_other_items_have_counters_too(app):
    """Regression: the limit was read by a subquery that cross-joined every counter row."""
    from core.errors import MonthlyLimitExceeded
    from tests.factories import make_user
    from tests.factories_store import give_points, make_item

    s = counter_setup(app, points=500, monthly_limit=1)
    roomy = make_item(app, s.store.id, price=1, stock=50, monthly_limit=40)
    other = make_user(app)
    give_points(app, other.id, 500)
    with app.app_context():
        keeper = load_user(s.keeper.id)
        services.redeem(services.RedeemRequest(s.store.id, other.id, (services.Line(roomy, 30),), "m1"), keeper)
        services.redeem(services.RedeemRequest(s.store.id, s.resident.id, (services.Line(roomy, 1),), "m2"), keeper)
        services.redeem(services.RedeemRequest(s.store.id, s.resident.id, (services.Line(s.item_id, 1),), "m3"),
                        keeper)
        try:
            services.redeem(services.RedeemRequest(s.store.id, s.resident.id,
                                                   (services.Line(s.item_id, 1), services.Line(roomy, 1)), "m4"),
                            keeper)
        except MonthlyLimitExceeded:
            pass
        else:
            raise AssertionError("a second item limited to one a month was redeemed")
        assert verify_month_usage() == []
