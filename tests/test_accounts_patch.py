"""PATCH /api/v1/users/{id}, GET /api/v1/users/{id} and DELETE /api/v1/tokens/current."""

import pytest
import sqlalchemy as sa

from accounts.models import User
from extensions import db
from tests.factories import bearer, make_user, sign_in


def code(response):
    return response.get_json()["error"]["code"]


def stored(app, user_id) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_an_admin_changes_a_persons_fields_and_gets_the_user_back(app, client):
    admin, resident = make_user(app, "admin"), make_user(app, phone="13812345678")
    response = client.patch(f"/api/v1/users/{resident.id}", headers=bearer(app, admin), json={
        "name": "王小明", "phone": "139-0000-1111", "party_member": True, "in_need": True, "unit_id": None})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["id"], body["name"], body["phone"], body["party_member"], body["in_need"]) == (
        resident.id, "王小明", "13900001111", True, True)
    assert body["roles"] == ["resident"] and body["active"] is True  # balance and hours: GET /api/v1/users/{id}
    user = stored(app, resident.id)
    assert (user.name, user.phone, user.party_member, user.in_need) == ("王小明", "13900001111", True, True)


def test_a_password_change_through_the_api_ends_web_sessions_and_tokens(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    web = app.test_client()
    sign_in(web, resident)
    token = bearer(app, resident)
    response = client.patch(f"/api/v1/users/{resident.id}", headers=bearer(app, admin),
                            json={"password": "brand-new-pass"})
    assert response.status_code == 200
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert web.get("/card").status_code == 302
    signed = client.post("/api/v1/tokens", json={"username": resident.username, "password": "brand-new-pass"})
    assert signed.status_code == 201


@pytest.mark.parametrize("changes", [{"roles": ["resident"]}, {"active": False}])
def test_losing_roles_or_being_deactivated_through_the_api_ends_tokens(app, client, changes):
    admin, keeper = make_user(app, "admin"), make_user(app, "resident", "store_keeper")
    token = bearer(app, keeper)
    assert client.patch(f"/api/v1/users/{keeper.id}", headers=bearer(app, admin), json=changes).status_code == 200
    assert client.get("/api/v1/me", headers=token).status_code == 401


def test_nobody_changes_their_own_roles(app, client):
    admin = make_user(app, "admin")
    h = bearer(app, admin)
    refused = client.patch(f"/api/v1/users/{admin.id}", headers=h, json={"roles": ["admin", "store_keeper"]})
    assert refused.status_code == 403 and code(refused) == "forbidden"
    assert stored(app, admin.id).role_rows  # unchanged
    with app.app_context():
        assert db.session.get(User, admin.id).roles == ["admin"]
    same = client.patch(f"/api/v1/users/{admin.id}", headers=h, json={"roles": ["admin"], "name": "管理员"})
    assert same.status_code == 200


@pytest.mark.parametrize(("body", "field"), [
    ({"unit_id": 1}, "unit_id"), ({"active": "yes"}, "active"), ({"active": None}, "active"),
    ({"roles": ["boss"]}, "roles"), ({"roles": []}, "roles"), ({"password": "short"}, "password"),
    ({"name": ""}, "name"), ({"phone": "12ab"}, "phone"), ({"community_id": 999999}, "community_id"),
    ({"community_id": "1"}, "community_id"), ({"party_member": 1}, "party_member"),
    ({"in_need": "true"}, "in_need"), ({"name": "x" * 101}, "name"),
])
def test_bad_values_answer_422_naming_the_field_and_change_nothing(app, client, body, field):
    admin, resident = make_user(app, "admin"), make_user(app, name="原名")
    response = client.patch(f"/api/v1/users/{resident.id}", headers=bearer(app, admin), json={"name": "新名", **body}
                            if field != "name" else body)
    assert response.status_code == 422, response.get_json()
    assert code(response) == "validation_failed" and field in response.get_json()["error"]["fields"]
    assert stored(app, resident.id).name == "原名"


def test_patch_answers_401_403_404_in_that_order(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    assert client.patch(f"/api/v1/users/{resident.id}", json={"name": "x"}).status_code == 401
    assert code(client.patch(f"/api/v1/users/{admin.id}", headers=bearer(app, resident),
                             json={"name": "x"})) == "forbidden"
    assert client.patch("/api/v1/users/99999", headers=bearer(app, admin), json={"name": "x"}).status_code == 404
    assert client.patch(f"/api/v1/users/{resident.id}", headers=bearer(app, admin), data="{").status_code == 400


def test_auditors_read_a_person_with_a_masked_phone(app, client):
    admin, auditor = make_user(app, "admin"), make_user(app, "auditor")
    resident = make_user(app, phone="13812345678")
    seen = client.get(f"/api/v1/users/{resident.id}", headers=bearer(app, auditor)).get_json()
    assert seen["phone"] == "138****5678" and "card_code" not in seen
    assert client.get(f"/api/v1/users/{resident.id}", headers=bearer(app, admin)).get_json()["phone"] == "13812345678"
    assert code(client.patch(f"/api/v1/users/{resident.id}", headers=bearer(app, auditor),
                             json={"name": "x"})) == "forbidden"
    assert client.get(f"/api/v1/users/{resident.id}", headers=bearer(app, resident)).status_code == 403


def test_deleting_the_current_token_signs_out_of_the_api_at_once(app, client):
    resident = make_user(app)
    token, other = bearer(app, resident), bearer(app, resident)
    assert client.delete("/api/v1/tokens/current", headers=token).status_code == 204
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert client.delete("/api/v1/tokens/current", headers=token).status_code == 401
    assert client.get("/api/v1/me", headers=other).status_code == 200  # only that token
    with app.app_context():
        actions = db.session.execute(sa.text("SELECT action FROM audit_events")).scalars().all()
    assert "auth.token_revoked" in actions
