"""Gifts of points (二次公益): to a household member or a resident in need, never below zero,
idempotent, one `gift` entry on both histories, audited, both people told. Every refusal."""

import sqlalchemy as sa

from audit.models import AuditEvent
from extensions import db
from notifications.models import Notification
from points.ledger_models import Transfer
from tests.factories import bearer, make_user
from tests.factories_households import make_household, mark_in_need
from tests.factories_points import balance
from tests.factories_store import give_points


def _family(app, points: int = 100):
    giver, daughter = make_user(app, name="王秀兰"), make_user(app, name="王芳")
    make_household(app, "王家", giver.id, daughter.id)
    give_points(app, giver.id, points)
    return giver, daughter


def _give(client, app, giver, to_id, points, key=None, note=None):
    headers = bearer(app, giver)
    if key:
        headers["Idempotency-Key"] = key
    body = {"to_user_id": to_id, "points": points}
    if note is not None:
        body["note"] = note
    return client.post("/api/v1/gifts", json=body, headers=headers)


def test_a_gift_to_a_household_member_moves_the_points_on_both_histories(app, client):
    giver, daughter = _family(app)
    response = _give(client, app, giver, daughter.id, 30, note="给女儿买菜")
    assert response.status_code == 201, response.json
    assert response.json["balance_after"] == 70
    assert (balance(app, giver), balance(app, daughter)) == (70, 30)

    mine = client.get(f"/api/v1/accounts/{giver.id}/entries", headers=bearer(app, giver)).json["items"][0]
    hers = client.get(f"/api/v1/accounts/{daughter.id}/entries", headers=bearer(app, daughter)).json["items"][0]
    assert (mine["kind"], mine["points"], mine["memo"]) == ("gift", -30, "给女儿买菜")
    assert (hers["kind"], hers["points"], hers["balance_after"]) == ("gift", 30, 30)
    assert mine["id"] == hers["id"] == response.json["id"]


def test_a_gift_is_audited_and_both_people_are_told(app, client):
    giver, daughter = _family(app)
    transfer_id = _give(client, app, giver, daughter.id, 25).json["id"]
    with app.app_context():
        event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "gift.given")).scalar_one()
        assert (event.actor_id, event.subject_id) == (giver.id, transfer_id)
        kinds = dict(db.session.execute(sa.select(Notification.user_id, Notification.kind)
                                        .where(Notification.kind.like("gift%"))).all())
    assert kinds == {giver.id: "gift_sent", daughter.id: "gift_received"}
    inbox = client.get("/api/v1/notifications", headers=bearer(app, daughter)).json["items"]
    assert "25" in inbox[0]["text"] and "王秀兰" in inbox[0]["text"]


def test_a_resident_marked_in_need_may_receive_from_anyone_masked(app, client):
    giver = make_user(app, name="陈建国")
    needy = make_user(app, name="孙桂兰")
    give_points(app, giver.id, 50)
    assert _give(client, app, giver, needy.id, 10).json["error"]["code"] == "gift_not_allowed"
    mark_in_need(app, needy.id)
    response = _give(client, app, giver, needy.id, 10)
    assert response.status_code == 201
    assert balance(app, needy) == 10
    sent = client.get("/api/v1/notifications", headers=bearer(app, giver)).json["items"][0]["text"]
    assert "孙*兰" in sent and "孙桂兰" not in sent


def test_a_gift_outside_the_household_is_refused_with_403(app, client):
    giver, _daughter = _family(app)
    stranger = make_user(app)
    response = _give(client, app, giver, stranger.id, 10)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "gift_not_allowed"
    assert balance(app, giver) == 100


def test_nobody_gives_to_themselves_even_when_in_need(app, client):
    giver, _daughter = _family(app)
    mark_in_need(app, giver.id)
    response = _give(client, app, giver, giver.id, 10)
    assert (response.status_code, response.json["error"]["code"]) == (403, "forbidden")
    assert balance(app, giver) == 100


def test_a_gift_never_takes_a_balance_below_zero(app, client):
    giver, daughter = _family(app, points=20)
    response = _give(client, app, giver, daughter.id, 21)
    assert (response.status_code, response.json["error"]["code"]) == (409, "insufficient_points")
    assert (balance(app, giver), balance(app, daughter)) == (20, 0)
    never_credited, sister = make_user(app), make_user(app)
    make_household(app, "空家", never_credited.id, sister.id)
    assert _give(client, app, never_credited, sister.id, 1).json["error"]["code"] == "insufficient_points"


def test_the_same_key_gives_once_and_answers_the_same(app, client):
    giver, daughter = _family(app)
    first = _give(client, app, giver, daughter.id, 40, key="gift-1")
    again = _give(client, app, giver, daughter.id, 40, key="gift-1")
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    assert balance(app, daughter) == 40
    other = _give(client, app, giver, daughter.id, 41, key="gift-1")
    assert (other.status_code, other.json["error"]["code"]) == (409, "idempotency_conflict")
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).where(Transfer.kind == "gift")).scalar() == 1


def test_bad_gift_bodies_answer_422_and_save_nothing(app, client):
    giver, daughter = _family(app)
    for body, field in (({"to_user_id": daughter.id, "points": 0}, "points"),
                        ({"to_user_id": daughter.id, "points": -5}, "points"),
                        ({"to_user_id": daughter.id, "points": "10"}, "points"),
                        ({"to_user_id": daughter.id, "points": 10.5}, "points"),
                        ({"to_user_id": daughter.id, "points": 2**70}, "points"),
                        ({"to_user_id": daughter.id, "points": True}, "points"),
                        ({"to_user_id": daughter.id, "points": 5, "note": "好\x00"}, "note"),
                        ({"to_user_id": daughter.id, "points": 5, "note": "长" * 201}, "note"),
                        ({"to_user_id": daughter.id, "points": 5, "note": 7}, "note"),
                        ({"to_user_id": 987654, "points": 5}, "to_user_id"),
                        ({"to_user_id": 2**63, "points": 5}, "to_user_id"),
                        ({"to_user_id": "x", "points": 5}, "to_user_id"),
                        ({"points": 5}, "to_user_id")):
        response = client.post("/api/v1/gifts", json=body, headers=bearer(app, giver))
        assert response.status_code == 422, (body, response.json)
        assert field in response.json["error"]["fields"], body
    assert (balance(app, giver), balance(app, daughter)) == (100, 0)
    malformed = client.post("/api/v1/gifts", data="[1", headers={**bearer(app, giver),
                                                                 "Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert client.post("/api/v1/gifts", json={"to_user_id": daughter.id, "points": 1}).status_code == 401


def test_a_gift_to_a_deactivated_member_is_refused(app, client):
    from accounts.models import User
    from core.db import run_write

    giver, daughter = _family(app)
    with app.app_context():
        run_write(lambda: db.session.execute(sa.update(User).where(User.id == daughter.id).values(active=False)),
                  audited=False)
    response = _give(client, app, giver, daughter.id, 5)
    assert response.status_code == 422
    assert "to_user_id" in response.json["error"]["fields"]
