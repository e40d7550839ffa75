"""Commendations and manual adjustments: points move once, with a reason, never below zero."""

import pytest
import sqlalchemy as sa

from accounts.models import User
from audit.models import AuditEvent
from audit.service import verify_chain
from core.errors import IdempotencyConflict
from extensions import db
from points import awards, ledger
from points.ledger_models import Transfer
from points.models import Adjustment, Commendation
from tests.factories import bearer, make_user


def count(app, model):
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


def balance(app, user):
    with app.app_context():
        return ledger.user_balance(user.id)


def actions(app, action):
    with app.app_context():
        return db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == action)
        ).scalars().all()


def adjust(app, client, admin, user, points, reason="补录", headers=None):
    return client.post("/api/v1/adjustments", json={"user_id": user.id, "points": points, "reason": reason},
                       headers={**bearer(app, admin), **(headers or {})})


def test_a_commendation_credits_the_types_points_with_its_reason(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    response = client.post("/api/v1/commendations", headers=bearer(app, admin), json={
        "user_id": resident.id, "type": "excellent_volunteer", "reason": "全年服务200小时"})
    assert response.status_code == 201
    body = response.json
    assert body == {"id": body["id"], "user_id": resident.id, "type": "excellent_volunteer",
                    "points": 100, "reason": "全年服务200小时", "balance_after": 100}
    assert balance(app, resident) == 100
    with app.app_context():
        transfer = db.session.execute(sa.select(Transfer)).scalar_one()
        assert (transfer.kind, transfer.source_type, transfer.source_id) == ("commendation", "commendations", body["id"])
        assert db.session.get(Commendation, body["id"]).transfer_id == transfer.id
    [event] = actions(app, "commendation.granted")
    assert event.actor_id == admin.id and event.subject_id == body["id"]


def test_a_commendation_type_may_be_named_instead_of_coded(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    response = client.post("/api/v1/commendations", headers=bearer(app, admin), json={
        "user_id": resident.id, "type": "好人好事", "reason": "拾金不昧"})
    assert response.status_code == 201 and response.json["type"] == "good_deed"
    assert balance(app, resident) == 50


@pytest.mark.parametrize("change, field", [
    ({"reason": ""}, "reason"), ({"reason": "   "}, "reason"), ({"reason": None}, "reason"),
    ({"reason": "x" * 501}, "reason"), ({"type": "no_such_type"}, "type"), ({"type": 3}, "type"),
    ({"user_id": 999999}, "user_id"), ({"user_id": "1"}, "user_id"),
])
def test_a_commendation_needs_a_reason_a_known_type_and_a_person(app, client, change, field):
    admin, resident = make_user(app, "admin"), make_user(app)
    body = {"user_id": resident.id, "type": "good_deed", "reason": "好事", **change}
    response = client.post("/api/v1/commendations", headers=bearer(app, admin), json=body)
    assert response.status_code == 422 and field in response.json["error"]["fields"]
    assert count(app, Commendation) == 0 and count(app, Transfer) == 0


def test_only_admins_grant_commendations_or_adjust(app, client):
    keeper, resident = make_user(app, "store_keeper", "team_lead"), make_user(app)
    body = {"user_id": resident.id, "type": "good_deed", "reason": "好事"}
    response = client.post("/api/v1/commendations", headers=bearer(app, keeper), json=body)
    assert (response.status_code, response.json["error"]["code"]) == (403, "forbidden")
    response = adjust(app, client, keeper, resident, 5)
    assert (response.status_code, response.json["error"]["code"]) == (403, "forbidden")
    assert client.post("/api/v1/adjustments", json={}).status_code == 401
    assert count(app, Transfer) == 0


def test_two_commendations_without_a_key_are_two_grants(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    body = {"user_id": resident.id, "type": "good_deed", "reason": "好事"}
    for _ in range(2):
        assert client.post("/api/v1/commendations", headers=bearer(app, admin), json=body).status_code == 201
    assert balance(app, resident) == 100 and count(app, Commendation) == 2


def test_a_replayed_commendation_answers_the_same_and_posts_once(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    headers = {**bearer(app, admin), "Idempotency-Key": "grant-1"}
    body = {"user_id": resident.id, "type": "good_deed", "reason": "好事"}
    first = client.post("/api/v1/commendations", headers=headers, json=body)
    again = client.post("/api/v1/commendations", headers=headers, json=body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json
    assert balance(app, resident) == 50 and count(app, Transfer) == 1
    other = client.post("/api/v1/commendations", headers=headers, json={**body, "reason": "另一件"})
    assert (other.status_code, other.json["error"]["code"]) == (409, "idempotency_conflict")
    assert count(app, Commendation) == 1


def test_positive_and_negative_adjustments_move_points_and_are_audited(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    response = adjust(app, client, admin, resident, 30, "纸质登记补录")
    assert response.status_code == 201
    assert response.json == {"id": response.json["id"], "user_id": resident.id, "points": 30,
                             "reason": "纸质登记补录", "balance_after": 30}
    response = adjust(app, client, admin, resident, -12, "重复登记扣回")
    assert response.status_code == 201 and response.json["balance_after"] == 18
    assert balance(app, resident) == 18
    with app.app_context():
        kinds = db.session.execute(sa.select(Transfer.kind, Transfer.amount).order_by(Transfer.id)).all()
        assert [tuple(k) for k in kinds] == [("adjustment", 30), ("adjustment", 12)]
        assert verify_chain().ok
    assert len(actions(app, "points.adjusted")) == 2


def test_a_deduction_beyond_the_balance_is_refused_and_changes_nothing(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    adjust(app, client, admin, resident, 10)
    response = adjust(app, client, admin, resident, -11, headers={"Idempotency-Key": "d-1"})
    assert (response.status_code, response.json["error"]["code"]) == (409, "insufficient_points")
    assert balance(app, resident) == 10
    assert count(app, Adjustment) == 1 and count(app, Transfer) == 1
    assert len(actions(app, "points.adjusted")) == 1
    # A refused call is not remembered: the same key may be retried with a sound body.
    assert adjust(app, client, admin, resident, -10, headers={"Idempotency-Key": "d-1"}).status_code == 201
    assert balance(app, resident) == 0


@pytest.mark.parametrize("points", [0, 100001, -100001, 1.5, "5", True, None, 2**70])
def test_adjustment_points_must_be_a_nonzero_whole_number_within_limits(app, client, points):
    admin, resident = make_user(app, "admin"), make_user(app)
    response = adjust(app, client, admin, resident, points)
    assert response.status_code == 422 and "points" in response.json["error"]["fields"]
    assert count(app, Transfer) == 0


def test_an_adjustment_needs_a_reason(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    response = adjust(app, client, admin, resident, 5, reason="")
    assert response.status_code == 422 and "reason" in response.json["error"]["fields"]


def test_a_replayed_adjustment_answers_the_same_and_posts_once(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    first = adjust(app, client, admin, resident, 7, headers={"Idempotency-Key": "k-7"})
    again = adjust(app, client, admin, resident, 7, headers={"Idempotency-Key": "k-7"})
    assert (first.status_code, again.status_code) == (201, 201) and first.json == again.json
    assert balance(app, resident) == 7
    conflict = adjust(app, client, admin, resident, 8, headers={"Idempotency-Key": "k-7"})
    assert (conflict.status_code, conflict.json["error"]["code"]) == (409, "idempotency_conflict")
    assert balance(app, resident) == 7 and count(app, Adjustment) == 1


def test_the_service_returns_the_first_record_for_a_replayed_key(app):
    admin, resident = make_user(app, "admin"), make_user(app)
    with app.test_request_context():
        actor = db.session.get(User, admin.id)
        first = awards.adjust_points(resident.id, 5, "补录", actor, "form:1:abc")
        again = awards.adjust_points(resident.id, 5, " 补录 ", actor, "form:1:abc")
        assert again.id == first.id and awards.balance_after(again) == 5
        with pytest.raises(IdempotencyConflict):
            awards.adjust_points(resident.id, 6, "补录", actor, "form:1:abc")
        with pytest.raises(IdempotencyConflict):  # a key used by another kind of record
            awards.grant_commendation(resident.id, "good_deed", "补录", actor, "form:1:abc")
        grant = awards.grant_commendation(resident.id, "good_deed", "好事", actor, "form:1:def")
        assert awards.grant_commendation(resident.id, "好人好事", "好事", actor, "form:1:def").id == grant.id
        assert ledger.user_balance(resident.id) == 55
