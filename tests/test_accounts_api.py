"""The accounts JSON API: tokens, /me, users and communities, every refusal included."""

import pytest
import sqlalchemy as sa

from accounts.models import ApiToken, User
from extensions import db
from tests.factories import bearer, make_user
from tests.factories_accounts import make_community, stub_missing_pages


@pytest.fixture(autouse=True)
def _linked_pages(request):
    if "app" in request.fixturenames:
        stub_missing_pages(request.getfixturevalue("app"))


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()["error"]
    assert body["code"] == code and body["message"]
    return body


def _token(client, username, password):
    return client.post("/api/v1/tokens", json={"username": username, "password": password})


# ---------------------------------------------------------------- tokens and /me

def test_a_token_signs_in_and_me_shows_the_person_with_balance_and_card(app, client):
    user = make_user(app, "resident", "team_lead", name="王芳")
    response = _token(client, user.username, user.password)
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["token"]) >= 32 and "+08:00" in body["expires_at"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json() | {} == me.get_json()
    data = me.get_json()
    assert (data["id"], data["username"], data["name"], data["roles"], data["balance"], data["card_code"]) == (
        user.id, user.username, "王芳", ["resident", "team_lead"], 0, user.card_code)
    with app.app_context():
        stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
        assert body["token"] not in stored  # only its hash is kept


def test_wrong_or_unknown_credentials_answer_401_invalid_credentials(app, client):
    user = make_user(app)
    assert_error(_token(client, user.username, "not-the-password"), 401, "invalid_credentials")
    assert_error(_token(client, "no-such-person", "whatever-123"), 401, "invalid_credentials")


def test_the_eleventh_token_request_after_ten_failures_is_rate_limited(app, client):
    user = make_user(app)
    for _ in range(10):
        assert_error(_token(client, user.username, "wrong-password"), 401, "invalid_credentials")
    assert_error(_token(client, user.username, user.password), 429, "rate_limited")


@pytest.mark.parametrize("body, field", [
    ({"username": 5, "password": "x" * 8}, "username"),
    ({"username": "abc", "password": 12345678}, "password"),
    ({"username": "abc"}, "password"),
    ({"password": "abcdefgh"}, "username"),
    ({"username": "ab\x00c", "password": "abcdefgh"}, "username"),
    ({"username": "abc", "password": "abc\x00defgh"}, "password"),
    ({"username": ["abc"], "password": "abcdefgh"}, "username"),
])
def test_token_requests_with_wrong_types_answer_422(client, body, field):
    assert field in assert_error(client.post("/api/v1/tokens", json=body), 422, "validation_failed")["fields"]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"", b"\xff\xfe"])
def test_malformed_token_requests_answer_400(client, raw):
    response = client.post("/api/v1/tokens", data=raw, content_type="application/json")
    assert_error(response, 400, "malformed_json")


def test_me_needs_a_valid_token(app, client):
    assert_error(client.get("/api/v1/me"), 401, "not_signed_in")
    assert_error(client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}), 401, "not_signed_in")
    user = make_user(app)
    headers = bearer(app, user)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == user.id).values(active=False))
        db.session.commit()
    assert_error(client.get("/api/v1/me", headers=headers), 401, "not_signed_in")


def test_session_cookies_are_not_accepted_by_the_api(app, client):
    from tests.factories import sign_in

    user = make_user(app)
    sign_in(client, user)
    assert_error(client.get("/api/v1/me"), 401, "not_signed_in")


# ---------------------------------------------------------------- POST /users

def test_an_admin_creates_a_user_in_a_community(app, client):
    admin = make_user(app, "admin")
    place = make_community(app, "阳光社区")
    response = client.post("/api/v1/users", headers=bearer(app, admin), json={
        "username": "zhang.wei", "name": "张伟", "password": "secret-pass-1",
        "roles": ["resident", "team_lead"], "community_id": place["id"],
    })
    assert response.status_code == 201
    body = response.get_json()
    assert body["username"] == "zhang.wei" and body["name"] == "张伟"
    assert body["roles"] == ["resident", "team_lead"] and body["community_id"] == place["id"]
    assert body["card_code"].startswith("JF") and isinstance(body["id"], int)
    assert_error(_token(client, "zhang.wei", "wrong-one-1"), 401, "invalid_credentials")
    assert _token(client, "zhang.wei", "secret-pass-1").status_code == 201


def test_creating_users_needs_a_token_and_the_admin_role(app, client):
    resident = make_user(app)
    body = {"username": "new1", "name": "N", "password": "secret-pass-1", "roles": ["resident"]}
    assert_error(client.post("/api/v1/users", json=body), 401, "not_signed_in")
    assert_error(client.post("/api/v1/users", json=body, headers=bearer(app, resident)), 403, "forbidden")
    # 403 is answered before a malformed body.
    assert_error(client.post("/api/v1/users", data=b"{", content_type="application/json",
                       headers=bearer(app, resident)), 403, "forbidden")
    with app.app_context():
        assert db.session.scalar(sa.select(User.id).where(User.username == "new1")) is None


@pytest.mark.parametrize("change, field", [
    ({"roles": "admin"}, "roles"),
    ({"roles": ["king"]}, "roles"),
    ({"roles": []}, "roles"),
    ({"roles": [1]}, "roles"),
    ({"username": 5}, "username"),
    ({"username": "a"}, "username"),
    ({"username": "bad name!"}, "username"),
    ({"username": "x" * 41}, "username"),
    ({"name": "张\x00伟"}, "name"),
    ({"name": ""}, "name"),
    ({"name": None}, "name"),
    ({"password": "short"}, "password"),
    ({"password": 12345678}, "password"),
    ({"community_id": 999999}, "community_id"),
    ({"community_id": "1"}, "community_id"),
    ({"community_id": True}, "community_id"),
    ({"community_id": 10**30}, "community_id"),
    ({"phone": "call me"}, "phone"),
])
def test_bad_user_bodies_answer_422_naming_the_field(app, client, change, field):
    admin = make_user(app, "admin")
    body = {"username": "li.na", "name": "李娜", "password": "secret-pass-1", "roles": ["resident"]} | change
    response = client.post("/api/v1/users", json=body, headers=bearer(app, admin))
    assert field in assert_error(response, 422, "validation_failed")["fields"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1  # only the admin


def test_a_taken_username_answers_422_whatever_its_case(app, client):
    admin = make_user(app, "admin")
    make_user(app, username="Chen.Jie")
    body = {"username": "chen.jie", "name": "陈杰", "password": "secret-pass-1", "roles": ["resident"]}
    fields = assert_error(client.post("/api/v1/users", json=body, headers=bearer(app, admin)),
                    422, "validation_failed")["fields"]
    assert "username" in fields


def test_malformed_user_bodies_answer_400(app, client):
    admin = make_user(app, "admin")
    for raw in (b"{", b"null", b'"text"'):
        response = client.post("/api/v1/users", data=raw, content_type="application/json",
                               headers=bearer(app, admin))
        assert_error(response, 400, "malformed_json")


# ---------------------------------------------------------------- GET /users

def test_admins_see_whole_phones_and_store_keepers_masked_ones(app, client):
    admin = make_user(app, "admin")
    keeper = make_user(app, "store_keeper")
    make_user(app, name="张伟", phone="13812341234")
    items = client.get("/api/v1/users?q=zw", headers=bearer(app, admin)).get_json()["items"]
    assert [i["phone"] for i in items] == ["13812341234"]
    items = client.get("/api/v1/users?q=张", headers=bearer(app, keeper)).get_json()["items"]
    assert [i["phone"] for i in items] == ["138****1234"] and "card_code" not in items[0]
    items = client.get("/api/v1/users?q=1381234", headers=bearer(app, keeper)).get_json()["items"]
    assert [i["name"] for i in items] == ["张伟"]  # a 7-digit prefix; never a middle part (test_accounts_privacy)


def test_user_search_pages_with_a_cursor(app, client):
    admin = make_user(app, "admin")
    for i in range(5):
        make_user(app, username=f"page{i}")
    headers = bearer(app, admin)
    first = client.get("/api/v1/users?q=page&limit=3", headers=headers).get_json()
    assert len(first["items"]) == 3 and first["next"]
    second = client.get(f"/api/v1/users?q=page&limit=3&cursor={first['next']}", headers=headers).get_json()
    assert len(second["items"]) == 2 and second["next"] is None
    names = {i["username"] for i in first["items"] + second["items"]}
    assert names == {f"page{i}" for i in range(5)}


def test_user_search_refuses_residents_and_bad_queries(app, client):
    resident = make_user(app)
    admin = make_user(app, "admin")
    assert_error(client.get("/api/v1/users"), 401, "not_signed_in")
    assert_error(client.get("/api/v1/users", headers=bearer(app, resident)), 403, "forbidden")
    headers = bearer(app, admin)
    assert "q" in assert_error(client.get("/api/v1/users?q=a%00b", headers=headers), 422, "validation_failed")["fields"]
    assert "q" in assert_error(client.get("/api/v1/users?q=" + "x" * 101, headers=headers), 422,
                         "validation_failed")["fields"]
    assert "limit" in assert_error(client.get("/api/v1/users?limit=0", headers=headers), 422,
                             "validation_failed")["fields"]
    assert "cursor" in assert_error(client.get("/api/v1/users?cursor=abc", headers=headers), 422,
                              "validation_failed")["fields"]
    assert client.get("/api/v1/users?q=%25_%5C", headers=headers).get_json()["items"] == []


# ---------------------------------------------------------------- POST /communities

def test_an_admin_creates_a_community_once(app, client):
    admin = make_user(app, "admin")
    headers = bearer(app, admin)
    response = client.post("/api/v1/communities", json={"name": " 幸福社区 "}, headers=headers)
    assert response.status_code == 201
    assert response.get_json()["name"] == "幸福社区" and isinstance(response.get_json()["id"], int)
    again = client.post("/api/v1/communities", json={"name": "幸福社区"}, headers=headers)
    assert "name" in assert_error(again, 422, "validation_failed")["fields"]


@pytest.mark.parametrize("body", [{"name": 5}, {"name": ""}, {}, {"name": "x\x00"}, {"name": "x" * 101}])
def test_bad_community_bodies_answer_422(app, client, body):
    admin = make_user(app, "admin")
    response = client.post("/api/v1/communities", json=body, headers=bearer(app, admin))
    assert "name" in assert_error(response, 422, "validation_failed")["fields"]


def test_only_admins_create_communities(app, client):
    keeper = make_user(app, "store_keeper")
    assert_error(client.post("/api/v1/communities", json={"name": "A"}), 401, "not_signed_in")
    assert_error(client.post("/api/v1/communities", json={"name": "A"}, headers=bearer(app, keeper)), 403, "forbidden")
    admin = make_user(app, "admin")
    assert_error(client.post("/api/v1/communities", data=b"[", content_type="application/json",
                       headers=bearer(app, admin)), 400, "malformed_json")
