"""Micro-wishes through the API: every transition, every refusal, masking on the public board."""

import sqlalchemy as sa

from extensions import db
from tests.factories import bearer, make_user
from tests.factories_community import make_wish


def test_a_resident_posts_a_wish_an_admin_publishes_it_and_the_board_masks_the_name(app, client):
    wisher = make_user(app, name="张小伟", phone="13812341234")
    admin = make_user(app, "admin")
    posted = client.post("/api/v1/wishes", headers=bearer(app, wisher),
                         json={"title": "一副老花镜", "details": "住在3号楼2单元，电话13812341234"})
    assert posted.status_code == 201
    assert posted.get_json()["status"] == "submitted"
    wish_id = posted.get_json()["id"]

    assert client.get("/api/v1/wishes").get_json()["items"] == []  # not yet checked: not on the board
    published = client.post(f"/api/v1/wishes/{wish_id}/publish", headers=bearer(app, admin))
    assert published.status_code == 200 and published.get_json()["status"] == "published"

    board = client.get("/api/v1/wishes")
    assert board.status_code == 200
    assert board.get_json()["items"] == [{"id": wish_id, "title": "一副老花镜", "name": "张*伟",
                                          "status": "published"}]
    text = board.get_data(as_text=True)
    assert "13812341234" not in text and "3号楼" not in text and "张小伟" not in text


def test_an_admin_posts_for_a_resident_without_a_phone_but_a_resident_cannot_post_for_another(app, client):
    elder, resident, admin = make_user(app), make_user(app), make_user(app, "admin")
    refused = client.post("/api/v1/wishes", headers=bearer(app, resident),
                          json={"title": "轮椅维修", "for_user_id": elder.id})
    assert refused.status_code == 403
    posted = client.post("/api/v1/wishes", headers=bearer(app, admin),
                         json={"title": "轮椅维修", "details": "", "for_user_id": elder.id})
    assert posted.status_code == 201
    assert posted.get_json()["wisher_id"] == elder.id
    unknown = client.post("/api/v1/wishes", headers=bearer(app, admin),
                          json={"title": "轮椅维修", "for_user_id": 999999})
    assert unknown.status_code == 422 and "for_user_id" in unknown.get_json()["error"]["fields"]


def test_bad_wish_bodies_answer_422_or_400_and_save_nothing(app, client):
    resident = make_user(app)
    h = bearer(app, resident)
    for body in ({}, {"title": ""}, {"title": 5}, {"title": "a\x00b"}, {"title": "x" * 101},
                 {"title": "ok", "details": ["list"]}, {"title": "ok", "for_user_id": "1"}):
        response = client.post("/api/v1/wishes", headers=h, json=body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["code"] == "validation_failed"
    assert client.post("/api/v1/wishes", headers=h, data="nope", content_type="application/json").status_code == 400
    assert client.post("/api/v1/wishes", json={"title": "x"}).status_code == 401
    with app.app_context():
        assert db.session.execute(sa.text("SELECT count(*) FROM wishes")).scalar() == 0


def test_the_whole_way_claim_fulfil_confirm_with_a_commendation_credits_the_claimer(app, client):
    wisher, volunteer, admin = make_user(app), make_user(app), make_user(app, "admin")
    wish_id = make_wish(app, wisher, state="published", admin=admin)
    hv, ha = bearer(app, volunteer), bearer(app, admin)

    claimed = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=hv)
    assert claimed.status_code == 200 and claimed.get_json()["status"] == "claimed"
    board = client.get("/api/v1/wishes").get_json()["items"]
    assert [(w["id"], w["status"]) for w in board] == [(wish_id, "claimed")]

    fulfilled = client.post(f"/api/v1/wishes/{wish_id}/fulfil", headers=hv, json={"note": "已配好送到家"})
    assert fulfilled.status_code == 200 and fulfilled.get_json()["status"] == "fulfilled"
    assert client.get("/api/v1/wishes").get_json()["items"] == []

    closed = client.post(f"/api/v1/wishes/{wish_id}/confirm", headers=ha,
                         json={"commendation_type": "excellent_volunteer"})
    assert closed.status_code == 200
    assert closed.get_json()["status"] == "closed" and closed.get_json()["commendation_id"]
    account = client.get(f"/api/v1/accounts/{volunteer.id}", headers=hv).get_json()
    assert account["balance"] == 100
    entries = client.get(f"/api/v1/accounts/{volunteer.id}/entries", headers=hv).get_json()["items"]
    assert [e["kind"] for e in entries] == ["commendation"]
    again = client.post(f"/api/v1/wishes/{wish_id}/confirm", headers=ha,
                        json={"commendation_type": "excellent_volunteer"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_state"
    assert client.get(f"/api/v1/accounts/{volunteer.id}", headers=hv).get_json()["balance"] == 100


def test_confirm_without_a_type_credits_nothing_and_replays_with_the_same_key(app, client):
    wisher, claimer, admin = make_user(app), make_user(app), make_user(app, "admin")
    wish_id = make_wish(app, wisher, state="fulfilled", claimer=claimer, admin=admin)
    h = {**bearer(app, admin), "Idempotency-Key": "confirm-1"}
    first = client.post(f"/api/v1/wishes/{wish_id}/confirm", headers=h)
    assert first.status_code == 200 and first.get_json()["status"] == "closed"
    assert first.get_json()["commendation_id"] is None
    replay = client.post(f"/api/v1/wishes/{wish_id}/confirm", headers=h)
    assert replay.status_code == 200 and replay.get_json() == first.get_json()
    assert client.get(f"/api/v1/accounts/{claimer.id}", headers=bearer(app, claimer)).get_json()["balance"] == 0


def test_refusals_own_wish_only_the_claimer_fulfils_only_admins_publish_and_confirm(app, client):
    wisher, volunteer, other, admin = make_user(app), make_user(app), make_user(app), make_user(app, "admin")
    wish_id = make_wish(app, wisher, state="published", admin=admin)

    own = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=bearer(app, wisher))
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "forbidden"
    assert client.post(f"/api/v1/wishes/{wish_id}/claim", headers=bearer(app, volunteer)).status_code == 200
    second = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=bearer(app, other))
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "already_claimed"
    not_claimer = client.post(f"/api/v1/wishes/{wish_id}/fulfil", headers=bearer(app, other), json={"note": "x"})
    assert not_claimer.status_code == 403
    no_note = client.post(f"/api/v1/wishes/{wish_id}/fulfil", headers=bearer(app, volunteer), json={})
    assert no_note.status_code == 422 and "note" in no_note.get_json()["error"]["fields"]
    early = client.post(f"/api/v1/wishes/{wish_id}/confirm", headers=bearer(app, admin))
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "invalid_state"
    assert client.post(f"/api/v1/wishes/{wish_id}/publish", headers=bearer(app, volunteer)).status_code == 403
    assert client.post(f"/api/v1/wishes/{wish_id}/confirm", headers=bearer(app, volunteer)).status_code == 403
    republish = client.post(f"/api/v1/wishes/{wish_id}/publish", headers=bearer(app, admin))
    assert republish.status_code == 409 and republish.get_json()["error"]["code"] == "invalid_state"


def test_a_submitted_wish_is_not_found_for_others_and_unknown_ids_answer_404(app, client):
    wisher, other, admin = make_user(app), make_user(app), make_user(app, "admin")
    wish_id = make_wish(app, wisher, state="submitted", admin=admin)
    assert client.post(f"/api/v1/wishes/{wish_id}/claim", headers=bearer(app, other)).status_code == 404
    early = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=bearer(app, wisher))
    assert early.status_code == 403  # the wisher sees it, and may never claim it
    for path in ("claim", "publish", "confirm"):
        assert client.post(f"/api/v1/wishes/99999/{path}", headers=bearer(app, admin)).status_code == 404
        assert client.post(f"/api/v1/wishes/99999999999999/{path}", headers=bearer(app, admin)).status_code == 404


def test_an_admin_who_claimed_cannot_credit_themselves_and_unknown_types_are_422(app, client):
    wisher, admin, other_admin = make_user(app), make_user(app, "admin"), make_user(app, "admin")
    wish_id = make_wish(app, wisher, state="fulfilled", claimer=admin, admin=other_admin)
    own = client.post(f"/api/v1/wishes/{wish_id}/confirm", headers=bearer(app, admin),
                      json={"commendation_type": "excellent_volunteer"})
    assert own.status_code == 403
    unknown = client.post(f"/api/v1/wishes/{wish_id}/confirm", headers=bearer(app, other_admin),
                          json={"commendation_type": "no_such_type"})
    assert unknown.status_code == 422 and "commendation_type" in unknown.get_json()["error"]["fields"]
    ok = client.post(f"/api/v1/wishes/{wish_id}/confirm", headers=bearer(app, other_admin),
                     json={"commendation_type": "excellent_volunteer"})
    assert ok.status_code == 200
    assert client.get(f"/api/v1/accounts/{admin.id}", headers=bearer(app, admin)).get_json()["balance"] == 100


def test_every_transition_is_in_the_audit_trail(app, client):
    wisher, admin = make_user(app), make_user(app, "admin")
    make_wish(app, wisher, state="closed", admin=admin, commendation_type="excellent_volunteer")
    with app.app_context():
        actions = db.session.execute(sa.text(
            "SELECT action FROM audit_events WHERE action LIKE 'wish.%' OR action = 'commendation.granted' "
            "ORDER BY id")).scalars().all()
    assert actions == ["wish.submitted", "wish.published", "wish.claimed", "wish.fulfilled",
                       "commendation.granted", "wish.confirmed"]


def test_the_wisher_hears_of_the_claim_and_the_fulfilment_and_the_claimer_of_the_close(app, client):
    wisher, claimer, admin = make_user(app), make_user(app), make_user(app, "admin")
    wish_id = make_wish(app, wisher, state="published", admin=admin, title="冬季棉被")
    hc = bearer(app, claimer)
    client.post(f"/api/v1/wishes/{wish_id}/claim", headers=hc)
    client.post(f"/api/v1/wishes/{wish_id}/fulfil", headers=hc, json={"note": "已送到家"})
    client.post(f"/api/v1/wishes/{wish_id}/confirm", headers=bearer(app, admin))
    inbox = client.get("/api/v1/notifications", headers=bearer(app, wisher)).get_json()["items"]
    assert [n["kind"] for n in inbox] == ["wish", "wish"]
    assert "冬季棉被" in inbox[1]["text"] and "claimed" in inbox[1]["text"]
    assert "已送到家" in inbox[0]["text"]
    theirs = client.get("/api/v1/notifications", headers=hc).get_json()["items"]
    assert len(theirs) == 1 and "confirmed" in theirs[0]["text"]
