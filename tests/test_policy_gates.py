"""Redemption gates, in API.md's order and before stock: exchange day, minimum star, quarterly cap."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from core.errors import DomainError
from core.timeutil import shanghai_today
from extensions import db
from redemption import redeem as redeem_module
from redemption import services
from redemption.models import QuarterUsage, Redemption
from redemption.usage import verify_quarter_usage
from tests.factories import bearer, make_user, sign_in
from tests.factories_points import load_user
from tests.factories_policy import in_chinese, policy, redeem, shop
from tests.factories_store import snapshot
from tests.races import race

LAST_MINUTE_Q1 = datetime(2026, 3, 31, 15, 59, 30, tzinfo=UTC)  # 2026-03-31 23:59:30 in Shanghai
FIRST_MINUTE_Q2 = datetime(2026, 3, 31, 16, 0, 0, tzinfo=UTC)  # 2026-04-01 00:00:00 in Shanghai


def refusal(app, s, quantity: int = 1) -> str:
    with pytest.raises(DomainError) as refused:
        redeem(app, s, quantity)
    return refused.value.code


def not_today() -> list[int]:
    return [d for d in (1, 2) if d != shanghai_today().day][:1]


def test_on_a_day_that_is_not_an_exchange_day_the_store_is_closed_and_nothing_changes(app):
    s = shop(app)
    policy(app, s.admin, exchange_days=not_today())
    before = snapshot(app, s.resident.id)
    assert refusal(app, s) == "store_closed_today"
    assert snapshot(app, s.resident.id) == before
    policy(app, s.admin, exchange_days=[shanghai_today().day])
    assert redeem(app, s).total_points == 10


def test_a_resident_below_the_minimum_star_is_refused(app):
    s = shop(app)
    policy(app, s.admin, redeem_min_star=1)
    assert refusal(app, s) == "star_required"


def test_the_gates_answer_in_order_and_all_before_out_of_stock(app, client):
    s = shop(app, stock=0)
    policy(app, s.admin, exchange_days=not_today(), redeem_min_star=1, redemptions_per_quarter=1)
    body = {"store_id": s.store.id, "resident_id": s.resident.id, "lines": [{"item_id": s.item_id, "quantity": 1}]}
    headers = bearer(app, s.keeper)
    codes = []
    for change in ({}, {"exchange_days": None}, {"redeem_min_star": 0}, {"redemptions_per_quarter": None}):
        if change:
            policy(app, s.admin, **change)
        response = client.post("/api/v1/redemptions", json=body, headers=headers)
        assert response.status_code == 409
        codes.append(response.get_json()["error"]["code"])
    assert codes == ["store_closed_today", "star_required", "out_of_stock", "out_of_stock"]
    # With stock, a used-up quarter answers before the stock would have.
    s2 = shop(app, stock=1)
    policy(app, s2.admin, redemptions_per_quarter=1)
    assert redeem(app, s2).total_points == 10
    assert refusal(app, s2) == "quarter_limit_exceeded"  # stock is 0 now too: the gate comes first


def test_a_chinese_message_names_the_quarter_count(app, client):
    s = shop(app)
    policy(app, s.admin, redemptions_per_quarter=1)
    redeem(app, s)
    body = {"store_id": s.store.id, "resident_id": s.resident.id, "lines": [{"item_id": s.item_id, "quantity": 1}]}
    response = client.post("/api/v1/redemptions", json=body,
                           headers={**bearer(app, s.keeper), "Accept-Language": "zh-CN"})
    error = response.get_json()["error"]
    assert error["code"] == "quarter_limit_exceeded"
    assert "1" in error["message"]


def test_the_quarter_ends_at_midnight_on_march_31_in_shanghai(app, monkeypatch):
    s = shop(app)
    policy(app, s.admin, redemptions_per_quarter=1)
    monkeypatch.setattr(redeem_module, "utcnow", lambda: LAST_MINUTE_Q1)
    redeem(app, s)
    assert refusal(app, s) == "quarter_limit_exceeded"
    monkeypatch.setattr(redeem_module, "utcnow", lambda: FIRST_MINUTE_Q2)
    redeem(app, s)
    assert refusal(app, s) == "quarter_limit_exceeded"
    with app.app_context():
        rows = dict(db.session.execute(sa.select(QuarterUsage.quarter, QuarterUsage.redemptions).where(
            QuarterUsage.resident_id == s.resident.id)).all())
        assert rows == {20261: 1, 20262: 1}
        assert verify_quarter_usage() == []


def test_a_void_gives_the_quarter_back_and_a_voided_one_does_not_count(app):
    s = shop(app)
    policy(app, s.admin, redemptions_per_quarter=1)
    receipt = redeem(app, s)
    assert refusal(app, s) == "quarter_limit_exceeded"
    with app.test_request_context():
        services.void_redemption(receipt.id, "扫错商品", load_user(s.admin.id))
    redeem(app, s)
    with app.app_context():
        assert verify_quarter_usage() == []


def test_redemptions_before_a_cap_was_set_count_toward_it(app):
    s = shop(app)
    redeem(app, s)
    policy(app, s.admin, redemptions_per_quarter=1)
    assert refusal(app, s) == "quarter_limit_exceeded"


@pytest.mark.slow
def test_concurrent_redemptions_never_pass_the_quarter_cap(app, database_url):
    attempts, cap = 8, 3
    s = shop(app, points=1000, stock=100)
    keepers = [s.keeper] + [make_user(app, "store_keeper") for _ in range(attempts - 1)]
    with app.app_context():
        from redemption.models import StoreKeeper

        for k in keepers[1:]:
            db.session.add(StoreKeeper(store_id=s.store.id, user_id=k.id))
        db.session.commit()
    policy(app, s.admin, redemptions_per_quarter=cap)
    def attempt(n: int) -> str:
        services.redeem(services.RedeemRequest(s.store.id, s.resident.id, (services.Line(s.item_id, 1),),
                                               key=f"quarter-race:{n}"), load_user(keepers[n].id))
        return "ok"

    outcomes = race(database_url, attempt, attempts)
    assert sorted(outcomes) == ["ok"] * cap + ["quarter_limit_exceeded"] * (attempts - cap)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Redemption.id)).where(
            Redemption.resident_id == s.resident.id)).scalar_one() == cap
        assert verify_quarter_usage() == []


def test_the_counter_shows_the_gate_after_the_card_is_read(app, client):
    s = shop(app)
    policy(app, s.admin, redemptions_per_quarter=1)
    redeem(app, s)
    sign_in(client, s.keeper)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    response = client.post("/store/counter/identify", data={"code": s.resident.card_code,
                                                            "store_id": s.store.id}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert in_chinese(app, "This resident has redeemed %(used)s times this quarter (limit %(cap)s).",
                      "此居民本季度已兑换 1 次（上限 1 次）", used=1, cap=1) in page
    assert 'id="basket-form"' not in page  # no basket for a resident the gate refuses
