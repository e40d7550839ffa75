"""Teams: creation by admins, membership managed by admins and the team's own leads."""

import pytest
import sqlalchemy as sa

from accounts.models import User
from audit.models import AuditEvent
from core.errors import Forbidden, NotFound
from extensions import db
from points import teams
from points.models import Team, TeamMember
from tests.factories import bearer, make_user


def new_team(app, client, admin, name="敬老服务队", lead_ids=(), community_id=None):
    body = {"name": name, "lead_ids": list(lead_ids)}
    if community_id is not None:
        body["community_id"] = community_id
    return client.post("/api/v1/teams", json=body, headers=bearer(app, admin))


def actions(app):
    with app.app_context():
        return [e.action for e in db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).scalars()]


def test_an_admin_creates_a_team_whose_leads_become_lead_members(app, client):
    admin = make_user(app, "admin")
    lead = make_user(app)  # a plain resident, given the team_lead role by becoming a lead
    response = new_team(app, client, admin, lead_ids=[lead.id])
    assert response.status_code == 201
    assert response.json == {"id": response.json["id"], "name": "敬老服务队", "community_id": None,
                             "lead_ids": [lead.id]}
    team_id = response.json["id"]
    with app.app_context():
        assert teams.is_team_lead(lead.id, team_id)
        assert [t.id for t in teams.teams_led_by(lead.id)] == [team_id]
        assert teams.team_member_ids(team_id) == [lead.id]
        assert db.session.get(User, lead.id).has_role("team_lead")
    assert actions(app)[-2:] == ["user.roles_changed", "team.created"]


def test_a_lead_who_already_has_the_role_is_not_granted_it_again(app, client):
    admin = make_user(app, "admin")
    lead = make_user(app, "team_lead")
    assert new_team(app, client, admin, lead_ids=[lead.id]).status_code == 201
    assert "user.roles_changed" not in actions(app)


def test_a_duplicate_team_name_is_refused_on_name(app, client):
    admin = make_user(app, "admin")
    assert new_team(app, client, admin).status_code == 201
    response = new_team(app, client, admin, name=" 敬老服务队 ")
    assert response.status_code == 422 and "name" in response.json["error"]["fields"]


@pytest.mark.parametrize("body, field", [
    ({"name": ""}, "name"), ({"name": "x" * 101}, "name"), ({"name": 5}, "name"),
    ({"name": "t", "lead_ids": [999999]}, "lead_ids"), ({"name": "t", "lead_ids": "1"}, "lead_ids"),
    ({"name": "t", "lead_ids": [True]}, "lead_ids"), ({"name": "t", "community_id": 999999}, "community_id"),
    ({"name": "t", "community_id": "1"}, "community_id"), ({"name": "t", "community_id": 2**80}, "community_id"),
])
def test_bad_team_values_are_refused_and_nothing_is_saved(app, client, body, field):
    admin = make_user(app, "admin")
    response = client.post("/api/v1/teams", json=body, headers=bearer(app, admin))
    assert response.status_code == 422 and field in response.json["error"]["fields"]
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Team.id))).scalar() == 0


def test_an_inactive_person_cannot_lead(app, client):
    admin = make_user(app, "admin")
    gone = make_user(app)
    with app.app_context():
        db.session.get(User, gone.id).active = False
        db.session.commit()
    response = new_team(app, client, admin, lead_ids=[gone.id])
    assert response.status_code == 422 and "lead_ids" in response.json["error"]["fields"]


def test_only_admins_create_teams(app, client):
    lead = make_user(app, "team_lead")
    response = new_team(app, client, lead)
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert client.post("/api/v1/teams", json={"name": "x"}).status_code == 401


def test_admin_and_the_teams_own_lead_add_members(app, client):
    admin = make_user(app, "admin")
    lead, volunteer, other = make_user(app), make_user(app), make_user(app)
    team_id = new_team(app, client, admin, lead_ids=[lead.id]).json["id"]
    response = client.post(f"/api/v1/teams/{team_id}/members", json={"user_id": volunteer.id},
                           headers=bearer(app, lead))
    assert response.status_code == 201
    assert response.json == {"team_id": team_id, "user_id": volunteer.id, "is_lead": False}
    response = client.post(f"/api/v1/teams/{team_id}/members", json={"user_id": other.id},
                           headers=bearer(app, admin))
    assert response.status_code == 201
    with app.app_context():
        assert teams.team_member_ids(team_id) == sorted([lead.id, volunteer.id, other.id])
    assert actions(app).count("team.member_added") == 2


def test_adding_someone_already_in_the_team_is_an_idempotent_success(app, client):
    admin = make_user(app, "admin")
    lead = make_user(app)
    team_id = new_team(app, client, admin, lead_ids=[lead.id]).json["id"]
    response = client.post(f"/api/v1/teams/{team_id}/members", json={"user_id": lead.id},
                           headers=bearer(app, admin))
    assert response.status_code == 201 and response.json["is_lead"] is True
    assert "team.member_added" not in actions(app)


def test_membership_refusals_follow_the_status_order(app, client):
    admin = make_user(app, "admin")
    lead, other_lead, resident, volunteer = make_user(app), make_user(app), make_user(app), make_user(app)
    team_id = new_team(app, client, admin, lead_ids=[lead.id]).json["id"]
    new_team(app, client, admin, name="环境卫生队", lead_ids=[other_lead.id])
    url = f"/api/v1/teams/{team_id}/members"

    assert client.post(url, json={"user_id": volunteer.id}).json["error"]["code"] == "not_signed_in"
    response = client.post(url, json={"user_id": volunteer.id}, headers=bearer(app, resident))
    assert (response.status_code, response.json["error"]["code"]) == (403, "forbidden")
    response = client.post(url, json={"user_id": volunteer.id}, headers=bearer(app, other_lead))
    assert (response.status_code, response.json["error"]["code"]) == (403, "not_team_lead")
    response = client.post("/api/v1/teams/987654/members", json={"user_id": volunteer.id},
                           headers=bearer(app, admin))
    assert (response.status_code, response.json["error"]["code"]) == (404, "not_found")
    response = client.post(url, json={"user_id": 987654}, headers=bearer(app, admin))
    assert (response.status_code, response.json["error"]["code"]) == (422, "validation_failed")
    assert "user_id" in response.json["error"]["fields"]
    for bad in ("1", True, 1.5, None, 2**80):
        response = client.post(url, json={"user_id": bad}, headers=bearer(app, lead))
        assert response.status_code == 422, bad
    response = client.post(url, data="[]", content_type="application/json", headers=bearer(app, admin))
    assert response.status_code == 400
    with app.app_context():
        assert teams.team_member_ids(team_id) == [lead.id]


def test_leads_remove_plain_members_but_only_admins_touch_leads(app, client):
    admin = make_user(app, "admin")
    lead, volunteer = make_user(app), make_user(app)
    team_id = new_team(app, client, admin, lead_ids=[lead.id]).json["id"]
    client.post(f"/api/v1/teams/{team_id}/members", json={"user_id": volunteer.id}, headers=bearer(app, lead))
    with app.test_request_context():
        lead_user, admin_user = db.session.get(User, lead.id), db.session.get(User, admin.id)
        with pytest.raises(Forbidden):
            teams.set_lead(team_id, volunteer.id, True, lead_user)
        with pytest.raises(Forbidden):
            teams.remove_member(team_id, lead.id, lead_user)
        teams.remove_member(team_id, volunteer.id, lead_user)
        with pytest.raises(NotFound):
            teams.remove_member(team_id, volunteer.id, admin_user)
        teams.add_member(team_id, volunteer.id, admin_user)
        teams.set_lead(team_id, volunteer.id, True, admin_user)
        assert teams.is_team_lead(volunteer.id, team_id)
        assert db.session.get(User, volunteer.id).has_role("team_lead")
        teams.set_lead(team_id, lead.id, False, admin_user)
        assert not teams.is_team_lead(lead.id, team_id)
        teams.remove_member(team_id, lead.id, admin_user)
        assert teams.team_member_ids(team_id) == [volunteer.id]
        assert db.session.execute(sa.select(sa.func.count()).select_from(TeamMember)).scalar() == 1
    done = actions(app)
    assert done.count("team.member_removed") == 2 and done.count("team.lead_changed") == 2


def test_team_overview_counts_members_and_names_leads(app, client):
    admin = make_user(app, "admin")
    lead = make_user(app, name="王队长")
    team_id = new_team(app, client, admin, lead_ids=[lead.id]).json["id"]
    with app.app_context():
        [row] = teams.team_overview()
        assert row["team"].id == team_id and row["members"] == 1
        assert [u.name for u in row["leads"]] == ["王队长"]
