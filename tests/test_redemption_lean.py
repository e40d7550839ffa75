"""The lean redemption: monthly limits guarded by the database under concurrency, voids giving
the month back, the search flag, and nobody redeeming for themselves."""

import threading
from uuid import uuid4

import sqlalchemy as sa

from accounts.models import User
from audit.models import AuditEvent
from core.errors import DomainError
from extensions import db
from points import ledger
from redemption import services
from redemption.models import Item, ItemMonthUsage, Redemption
from redemption.verify import verify_store
from tests.factories import bearer, make_user
from tests.factories_store import counter_setup, make_item, snapshot

LIMIT, THREADS, EACH = 5, 4, 4


def post_redemption(client, headers, body):
    return client.post("/api/v1/redemptions", headers={**headers, "Idempotency-Key": uuid4().hex}, json=body)


def basket(s, quantity=1, **extra):
    return {"store_id": s.store.id, "resident_id": s.resident.id,
            "lines": [{"item_id": s.item_id, "quantity": quantity}], **extra}


def test_the_monthly_limit_holds_exactly_under_concurrent_redemptions(app):
    """Threads with their own sessions redeem one limited item for one resident at once."""
    s = counter_setup(app, points=10_000, price=1, stock=1000, monthly_limit=LIMIT)
    outcomes, lock = [], threading.Lock()

    def counter(n: int) -> None:
        with app.test_request_context():
            keeper = db.session.get(User, s.keeper.id)
            for i in range(EACH):
                req = services.RedeemRequest(s.store.id, s.resident.id, (services.Line(s.item_id, 1),),
                                             key=f"limit:{n}:{i}")
                try:
                    services.redeem(req, keeper)
                    result = "ok"
                except DomainError as refused:
                    result = refused.code
                with lock:
                    outcomes.append(result)
            db.session.remove()

    threads = [threading.Thread(target=counter, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(outcomes) == THREADS * EACH
    assert outcomes.count("ok") == LIMIT
    assert set(outcomes) == {"ok", "monthly_limit_exceeded"}
    with app.app_context():
        assert db.session.get(Item, s.item_id).stock == 1000 - LIMIT
        assert ledger.user_balance(s.resident.id) == 10_000 - LIMIT
        assert db.session.execute(sa.select(ItemMonthUsage.quantity)
                                  .where(ItemMonthUsage.resident_id == s.resident.id)).scalar_one() == LIMIT
        assert verify_store() == []


def test_a_refused_limit_says_what_is_left_and_changes_nothing(app, client):
    s = counter_setup(app, points=100, monthly_limit=3)
    headers = bearer(app, s.keeper)
    assert post_redemption(client, headers, basket(s, 2)).status_code == 201
    before = snapshot(app, s.resident.id)
    refused = post_redemption(client, headers, basket(s, 2))
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "monthly_limit_exceeded"
    assert "1 left" in refused.get_json()["error"]["message"]
    assert snapshot(app, s.resident.id) == before
    with app.app_context():
        assert services.monthly_allowance(s.resident.id, [s.item_id]) == {s.item_id: 1}


def test_a_void_gives_the_month_back(app, client):
    s = counter_setup(app, points=100, monthly_limit=2)
    admin = make_user(app, "admin")
    headers = bearer(app, s.keeper)
    first = post_redemption(client, headers, basket(s, 2)).get_json()
    assert post_redemption(client, headers, basket(s, 1)).status_code == 409
    voided = client.post(f"/api/v1/redemptions/{first['id']}/void", headers=bearer(app, admin),
                         json={"reason": "wrong basket"})
    assert voided.status_code == 200
    assert post_redemption(client, headers, basket(s, 2)).status_code == 201
    with app.app_context():
        assert services.monthly_allowance(s.resident.id, [s.item_id]) == {s.item_id: 0}
        assert verify_store() == []


def test_out_of_stock_answers_before_the_monthly_limit_and_insufficient_points(app, client):
    s = counter_setup(app, points=5, price=10, stock=1, monthly_limit=1)
    refused = post_redemption(client, bearer(app, s.keeper), basket(s, 2))
    assert refused.get_json()["error"]["code"] == "out_of_stock"
    refused = post_redemption(client, bearer(app, s.keeper), basket(s, 1))
    assert refused.get_json()["error"]["code"] == "insufficient_points"
    with app.app_context():
        assert services.monthly_allowance(s.resident.id, [s.item_id]) == {s.item_id: 1}  # rolled back too


def test_a_redemption_without_the_card_is_flagged_as_found_by_search(app, client):
    s = counter_setup(app, points=100)
    created = post_redemption(client, bearer(app, s.keeper), basket(s))
    assert created.status_code == 201 and created.get_json()["found_by"] == "search"
    shown = client.get(f"/api/v1/redemptions/{created.get_json()['id']}", headers=bearer(app, s.resident))
    assert shown.get_json()["found_by"] == "search"
    with app.app_context():
        after = db.session.execute(sa.select(AuditEvent.after).where(AuditEvent.action == "redemption.created")
                                   ).scalar_one()
        assert '"found_by":"search"' in after


def test_a_redemption_with_the_residents_card_is_found_by_card(app, client):
    s = counter_setup(app, points=100)
    created = post_redemption(client, bearer(app, s.keeper), basket(s, card_code=s.resident.card_code))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["found_by"] == "card"
    with app.app_context():
        assert db.session.get(Redemption, created.get_json()["id"]).found_by == "card"


def test_another_residents_card_is_refused_and_nothing_is_saved(app, client):
    s = counter_setup(app, points=100)
    other = make_user(app)
    before = snapshot(app, s.resident.id)
    refused = post_redemption(client, bearer(app, s.keeper), basket(s, card_code=other.card_code))
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "validation_failed"
    assert "card_code" in refused.get_json()["error"]["fields"]
    assert snapshot(app, s.resident.id) == before


def test_a_card_code_that_is_not_text_is_refused(app, client):
    s = counter_setup(app, points=100)
    refused = post_redemption(client, bearer(app, s.keeper), basket(s, card_code=12345))
    assert refused.status_code == 422 and "card_code" in refused.get_json()["error"]["fields"]


def test_a_keeper_cannot_redeem_for_themselves(app, client):
    s = counter_setup(app, points=0)
    from tests.factories_store import give_points

    give_points(app, s.keeper.id, 100)
    before = snapshot(app, s.keeper.id)
    refused = client.post("/api/v1/redemptions", headers=bearer(app, s.keeper), json={
        "store_id": s.store.id, "resident_id": s.keeper.id, "lines": [{"item_id": s.item_id, "quantity": 1}]})
    assert refused.status_code == 403
    body = refused.get_json()["error"]
    assert body["code"] == "forbidden"
    assert body["message"] == "Nobody redeems for themselves: another keeper or an admin serves you."
    assert snapshot(app, s.keeper.id) == before


def test_self_redemption_is_refused_before_bad_lines_are_reported(app, client):
    s = counter_setup(app, points=0)
    refused = client.post("/api/v1/redemptions", headers=bearer(app, s.keeper), json={
        "store_id": s.store.id, "resident_id": s.keeper.id, "lines": "nonsense"})
    assert refused.status_code == 403


def test_the_service_refuses_self_redemption_for_the_counter_pages_too(app):
    s = counter_setup(app, points=0)
    with app.test_request_context():
        keeper = db.session.get(User, s.keeper.id)
        try:
            services.redeem(services.RedeemRequest(s.store.id, s.keeper.id, (services.Line(s.item_id, 1),),
                                                   key="self"), keeper)
        except DomainError as refused:
            assert refused.code == "forbidden"
        else:
            raise AssertionError("a keeper redeemed for themselves")


def test_receipt_numbers_follow_the_redemption_ids(app, client):
    s = counter_setup(app, points=100)
    second_item = make_item(app, s.store.id, price=1, stock=9)
    headers = bearer(app, s.keeper)
    first = post_redemption(client, headers, basket(s)).get_json()
    two_lines = {"store_id": s.store.id, "resident_id": s.resident.id,
                 "lines": [{"item_id": s.item_id, "quantity": 1}, {"item_id": second_item, "quantity": 2}]}
    second = post_redemption(client, headers, two_lines).get_json()
    assert first["number"].endswith(f"-{first['id']:06d}") and second["number"].endswith(f"-{second['id']:06d}")
    assert second["id"] > first["id"]
    assert second["total_points"] == 10 + 2 and second["balance_after"] == 100 - 10 - 12
