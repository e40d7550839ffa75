"""The resident's inbox: messages written with the change that caused them, read in one's language."""

import pytest

from core.db import run_write
from extensions import db
from notifications import channels
from notifications.services import notify
from tests.factories import bearer, make_user, sign_in


def _notify(app, user, kind, **params):
    with app.app_context():
        run_write(lambda: notify(user.id, kind, **params), audited=False)


def test_a_message_lists_newest_first_with_its_text_and_unread_state(app):
    resident = make_user(app)
    _notify(app, resident, "hours_approved", minutes=180, activity="敬老院陪护", points=45)
    _notify(app, resident, "hours_rejected", minutes=60, activity="垃圾分类", reason="未签到")
    body = app.test_client().get("/api/v1/notifications", headers=bearer(app, resident)).get_json()
    assert [n["kind"] for n in body["items"]] == ["hours_rejected", "hours_approved"]
    assert "未签到" in body["items"][0]["text"] and "1 hours" not in body["items"][0]["text"]
    assert "3 hours" in body["items"][1]["text"] and "+45" in body["items"][1]["text"]
    assert all(n["read"] is False for n in body["items"]) and body["unread"] == 2
    assert body["next"] is None


def test_the_text_follows_the_readers_language(app):
    resident = make_user(app)
    _notify(app, resident, "hours_approved", minutes=90, activity="助老", points=15)
    zh = app.test_client().get("/api/v1/notifications", headers={**bearer(app, resident), "Accept-Language": "zh-CN"})
    assert "小时" in zh.get_json()["items"][0]["text"]


def test_marking_read_is_for_the_owner_only(app):
    resident, other = make_user(app), make_user(app)
    _notify(app, resident, "void", number="DH20261201-000001", points=20, reason="扫错")
    client = app.test_client()
    nid = client.get("/api/v1/notifications", headers=bearer(app, resident)).get_json()["items"][0]["id"]
    assert client.post(f"/api/v1/notifications/{nid}/read", headers=bearer(app, other)).status_code == 404
    assert client.post(f"/api/v1/notifications/{nid}/read").status_code == 401
    answer = client.post(f"/api/v1/notifications/{nid}/read", headers=bearer(app, resident))
    assert answer.status_code == 200 and answer.get_json()["read"] is True
    assert client.post("/api/v1/notifications/99999999999/read", headers=bearer(app, resident)).status_code == 404
    body = client.get("/api/v1/notifications", headers=bearer(app, other)).get_json()
    assert body["items"] == [] and body["unread"] == 0


def test_a_rolled_back_write_leaves_no_message_and_tells_no_channel(app):
    resident = make_user(app)
    sent = []

    class Recorder:
        name = "test-recorder"

        def send(self, messages):
            sent.extend(messages)

    channels.register_channel(Recorder())
    try:
        with app.app_context():
            def failing():
                notify(resident.id, "redemption", points=5, store="一店", number="DH1", balance=0)
                raise RuntimeError("refused later in the same write")

            with pytest.raises(RuntimeError):
                run_write(failing, audited=False)
            assert sent == []
            run_write(lambda: notify(resident.id, "commendation", type="优秀志愿者", points=100, reason="好"),
                      audited=False)
            assert [m.kind for m in sent] == ["commendation"]
            from notifications.models import Notification

            assert db.session.query(Notification).filter_by(user_id=resident.id).count() == 1
    finally:
        channels.unregister_channel("test-recorder")


def test_the_inbox_page_shows_the_badge_and_marks_all_read(app):
    resident = make_user(app)
    _notify(app, resident, "redemption", points=30, store="幸福里积分超市", number="DH20261201-000007", balance=12)
    client = app.test_client()
    sign_in(client, resident)
    home = client.get("/").get_data(as_text=True)
    assert 'id="unread-badge">1<' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert "DH20261201-000007" in page and "幸福里积分超市" in page
    assert client.post("/notifications/read-all").status_code == 302
    assert 'id="unread-badge"' not in client.get("/").get_data(as_text=True)
    assert client.get("/notifications?page=²").status_code == 200


def test_an_unknown_kind_is_a_programming_error_not_a_message(app):
    resident = make_user(app)
    with app.app_context(), pytest.raises(ValueError):
        run_write(lambda: notify(resident.id, "free_points"), audited=False)
