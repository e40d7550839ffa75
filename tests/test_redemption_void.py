"""Voiding a redemption: once, with a reason, by its keeper the same day or an admin any time."""

import sqlalchemy as sa

from extensions import db
from points.ledger_models import Transfer
from redemption.models import Redemption, StockMovement
from redemption.verify import verify_store
from tests.factories import bearer, make_user
from tests.factories_store import counter_setup, make_store, snapshot, store_balance


def make_redemption(app, client, s, quantity=2):
    response = client.post("/api/v1/redemptions", headers=bearer(app, s.keeper), json={
        "store_id": s.store.id, "resident_id": s.resident.id, "lines": [{"item_id": s.item_id, "quantity": quantity}]})
    assert response.status_code == 201, response.json
    return response.json["id"]


def void(app, client, person, rid, reason="扫错了", key=None):
    headers = bearer(app, person) if person else {}
    if key:
        headers["Idempotency-Key"] = key
    return client.post(f"/api/v1/redemptions/{rid}/void", headers=headers, json={"reason": reason})


def move_back_a_day(app, rid):
    with app.app_context():
        db.session.execute(sa.update(Redemption).where(Redemption.id == rid)
                           .values(created_at=Redemption.created_at - sa.text("INTERVAL '1 day'"))
                           if db.engine.dialect.name == "postgresql" else
                           sa.text("UPDATE redemptions SET created_at = datetime(created_at, '-1 day') WHERE id = :id")
                           .bindparams(id=rid))
        db.session.commit()


def test_keeper_voids_on_the_same_day_and_points_and_stock_come_back(app, client):
    s = counter_setup(app, points=100, price=10, stock=5)
    before = snapshot(app, s.resident.id)
    rid = make_redemption(app, client, s, quantity=2)
    response = void(app, client, s.keeper, rid)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "voided" and response.json["void_reason"] == "扫错了"
    after = snapshot(app, s.resident.id)
    assert after["balance"] == before["balance"] == 100
    assert after["stock"] == before["stock"]
    assert store_balance(app, s.store.id) == 0
    with app.app_context():
        kinds = db.session.execute(sa.select(StockMovement.kind, StockMovement.delta)
                                   .where(StockMovement.redemption_id == rid).order_by(StockMovement.id)).all()
        assert kinds == [("redemption", -2), ("void", 2)]
        reversal = db.session.execute(sa.select(Transfer).where(Transfer.reverses_id.is_not(None))).scalar_one()
        assert reversal.idempotency_key == f"void:{rid}"
        assert verify_store() == []


def test_keeper_cannot_void_yesterdays_redemption_but_an_admin_can(app, client):
    s = counter_setup(app)
    rid = make_redemption(app, client, s)
    move_back_a_day(app, rid)
    refused = void(app, client, s.keeper, rid)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "void_window_closed"
    # the window is checked before the body
    assert client.post(f"/api/v1/redemptions/{rid}/void", headers=bearer(app, s.keeper),
                       data=b"{bad").status_code == 403
    assert void(app, client, make_user(app, "admin"), rid).status_code == 200
    with app.app_context():
        assert verify_store() == []


def test_a_redemption_is_voided_only_once(app, client):
    s = counter_setup(app, points=100, price=10)
    rid = make_redemption(app, client, s)
    admin = make_user(app, "admin")
    assert void(app, client, admin, rid).status_code == 200
    again = void(app, client, s.keeper, rid)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_voided"
    assert snapshot(app, s.resident.id)["balance"] == 100


def test_a_void_replayed_with_its_key_answers_the_same(app, client):
    s = counter_setup(app, points=100, price=10)
    rid = make_redemption(app, client, s)
    first = void(app, client, s.keeper, rid, key="v1")
    again = void(app, client, s.keeper, rid, key="v1")
    assert first.status_code == again.status_code == 200 and first.get_data() == again.get_data()
    other = void(app, client, s.keeper, rid, reason="another", key="v1")
    assert other.status_code == 409 and other.json["error"]["code"] == "idempotency_conflict"
    assert snapshot(app, s.resident.id)["balance"] == 100


def test_who_may_void(app, client):
    s = counter_setup(app)
    rid = make_redemption(app, client, s)
    other_keeper = make_user(app, "store_keeper")
    make_store(app, other_keeper.id)
    assert void(app, client, None, rid).status_code == 401
    for person, status in ((s.resident, 403), (make_user(app, "auditor"), 403), (other_keeper, 404)):
        assert void(app, client, person, rid).status_code == status
    assert void(app, client, s.keeper, 999999).status_code == 404


def test_a_void_needs_a_reason(app, client):
    s = counter_setup(app)
    rid = make_redemption(app, client, s)
    before = snapshot(app, s.resident.id)
    for reason in ("", "   ", None, 5, "x" * 501, "bad\x00"):
        response = void(app, client, s.keeper, rid, reason=reason)
        assert response.status_code == 422 and "reason" in response.json["error"]["fields"]
    assert snapshot(app, s.resident.id) == before


def test_the_void_is_audited_in_the_same_transaction(app, client):
    from audit.models import AuditEvent
    from audit.service import verify_chain
    s = counter_setup(app)
    rid = make_redemption(app, client, s)
    void(app, client, s.keeper, rid)
    with app.app_context():
        actions = db.session.execute(sa.select(AuditEvent.action).where(AuditEvent.subject_id == rid,
                                     AuditEvent.subject_type == "redemptions")).scalars().all()
        assert actions == ["redemption.created", "redemption.voided"]
        assert verify_chain().ok
