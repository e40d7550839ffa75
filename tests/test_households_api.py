"""Households through the API: creating one, one household per person, who may read it."""

from tests.factories import bearer, make_user
from tests.factories_households import make_household
from tests.factories_points import approve, log, make_activity, make_team
from tests.factories_store import give_points


def test_admin_creates_a_household_and_members_see_balances_hours_and_stars(app, client):
    admin, lead = make_user(app, "admin"), make_user(app, "team_lead")
    mother, son = make_user(app, name="李秀英"), make_user(app, name="王浩")
    give_points(app, mother.id, 120)
    give_points(app, son.id, 30)
    team = make_team(app, leads=[lead], members=[son])
    approve(app, log(app, make_activity(app, team, lead), son, 90, lead), admin)

    response = client.post("/api/v1/households", json={"name": "王家", "member_ids": [mother.id, son.id]},
                           headers=bearer(app, admin))
    assert response.status_code == 201, response.json
    household_id = response.json["id"]

    body = client.get(f"/api/v1/households/{household_id}", headers=bearer(app, mother)).json
    members = {m["user_id"]: m for m in body["members"]}
    assert members[mother.id]["balance"] == 120
    assert members[son.id]["service_minutes"] == 90
    assert members[son.id]["balance"] == 30 + 15  # 90 min at 10/h
    assert members[son.id]["star"] == 0
    assert body["totals"] == {"members": 2, "balance": 165, "service_minutes": 90}


def test_a_person_is_in_at_most_one_household(app, client):
    admin, person, other = make_user(app, "admin"), make_user(app), make_user(app)
    make_household(app, "张家", person.id)
    response = client.post("/api/v1/households", json={"name": "赵家", "member_ids": [other.id, person.id]},
                           headers=bearer(app, admin))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "already_in_household"
    listed = client.get("/api/v1/households/2", headers=bearer(app, admin))
    assert listed.status_code == 404  # nothing partial saved


def test_adding_a_member_who_is_elsewhere_is_refused(app, client):
    admin, a, b = make_user(app, "admin"), make_user(app), make_user(app)
    first = make_household(app, "张家", a.id)
    second = make_household(app, "赵家", b.id)
    response = client.post(f"/api/v1/households/{second}/members", json={"user_id": a.id},
                           headers=bearer(app, admin))
    assert response.json["error"]["code"] == "already_in_household"
    assert response.status_code == 409
    assert client.delete(f"/api/v1/households/{first}/members/{a.id}", headers=bearer(app, admin)).status_code == 204
    moved = client.post(f"/api/v1/households/{second}/members", json={"user_id": a.id}, headers=bearer(app, admin))
    assert moved.status_code == 201
    assert {m["user_id"] for m in moved.json["members"]} == {a.id, b.id}


def test_others_are_told_not_found_and_auditors_read(app, client):
    member, stranger, auditor = make_user(app), make_user(app), make_user(app, "auditor")
    household_id = make_household(app, "刘家", member.id)
    path = f"/api/v1/households/{household_id}"
    assert client.get(path, headers=bearer(app, stranger)).status_code == 404
    assert client.get(path, headers=bearer(app, auditor)).status_code == 200
    assert client.get("/api/v1/households/99999999999", headers=bearer(app, member)).status_code == 404
    assert client.get(path).status_code == 401


def test_only_admins_create_households(app, client):
    keeper, person = make_user(app, "store_keeper"), make_user(app)
    response = client.post("/api/v1/households", json={"name": "王家", "member_ids": [person.id]},
                           headers=bearer(app, keeper))
    assert response.status_code == 403


def test_bad_household_bodies_answer_422_naming_each_field(app, client):
    admin = make_user(app, "admin")
    headers = bearer(app, admin)
    for body, field in (({"name": "", "member_ids": []}, "name"), ({"name": "王\x00家"}, "name"),
                        ({"name": "王家", "member_ids": [99999]}, "member_ids"),
                        ({"name": "王家", "member_ids": ["1"]}, "member_ids"),
                        ({"name": "王家", "member_ids": [2**40]}, "member_ids"),
                        ({"name": "王家", "community_id": 424242}, "community_id")):
        response = client.post("/api/v1/households", json=body, headers=headers)
        assert response.status_code == 422, (body, response.json)
        assert field in response.json["error"]["fields"]
    assert client.post("/api/v1/households", data="{", headers={**headers, "Content-Type": "application/json"}
                       ).status_code == 400


def test_the_database_itself_keeps_one_household_per_person_and_no_self_proxy(app):
    import pytest
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError

    from accounts.proxy_models import Proxy
    from core.db import run_write
    from core.timeutil import utcnow
    from extensions import db
    from households.models import HouseholdMember

    person = make_user(app)
    first, second = make_household(app, "甲家", person.id), make_household(app, "乙家")
    with app.app_context():
        with pytest.raises(IntegrityError):
            run_write(lambda: db.session.execute(sa.insert(HouseholdMember).values(
                user_id=person.id, household_id=second, joined_at=utcnow())), audited=False)
        db.session.rollback()
        with pytest.raises(IntegrityError):
            run_write(lambda: db.session.execute(sa.insert(Proxy).values(
                user_id=person.id, proxy_id=person.id, created_at=utcnow())), audited=False)
        db.session.rollback()
        assert db.session.get(HouseholdMember, person.id).household_id == first
