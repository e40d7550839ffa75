"""Powers follow roles: a lead mark on a team without the team_lead role grants nothing."""

import sqlalchemy as sa

from accounts.models import User
from accounts.services import EditUser, update_user
from core.timeutil import shanghai_today
from extensions import db
from points.models import Activity, HourRecord, TeamMember
from tests.factories import bearer, make_user, sign_in
from tests.factories_points import crew, make_activity, make_team


def code(response):
    return response.get_json()["error"]["code"]


def remove_lead_role(app, admin, lead) -> None:
    with app.app_context():
        update_user(EditUser(user_id=lead.id, name=lead.name, roles=("resident",)),
                    db.session.get(User, admin.id))


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
                     for model in (Activity, HourRecord, TeamMember))


def test_a_demoted_lead_can_no_longer_create_activities_log_hours_or_add_members(app, client):
    c = crew(app)
    remove_lead_role(app, c.admin, c.lead)
    with app.app_context():  # the team still marks them as its lead
        assert db.session.get(TeamMember, (c.team_id, c.lead.id)).is_lead
    h = bearer(app, c.lead)
    before = counts(app)

    made = client.post("/api/v1/activities", headers=h, json={
        "team_id": c.team_id, "title": "还想办活动", "date": shanghai_today().isoformat(), "difficulty": "normal"})
    logged = client.post("/api/v1/hours", headers=h, json={
        "activity_id": c.activity_id, "volunteer_id": c.a.id, "minutes": 60})
    added = client.post(f"/api/v1/teams/{c.team_id}/members", headers=h, json={"user_id": c.outsider.id})

    assert [r.status_code for r in (made, logged, added)] == [403, 403, 403]
    assert code(made) == code(logged) == code(added) == "forbidden"
    assert counts(app) == before


def test_a_lead_mark_without_the_role_opens_no_lead_page(app, client):
    admin, marked = make_user(app, "admin"), make_user(app, "resident", "store_keeper")
    volunteer = make_user(app)
    team_id = make_team(app, leads=[marked], members=[volunteer])
    activity_id = make_activity(app, team_id, admin)
    sign_in(client, marked)
    before = counts(app)

    assert client.get("/lead").status_code == 403
    assert client.post(f"/lead/activities/{activity_id}/log",
                       data={"volunteer_id": volunteer.id, "minutes": "45"}).status_code == 403
    assert client.post(f"/teams/{team_id}", data={"person": volunteer.username}).status_code == 403
    assert counts(app) == before


def test_a_lead_with_the_role_keeps_their_powers(app, client):
    c = crew(app)
    logged = client.post("/api/v1/hours", headers=bearer(app, c.lead), json={
        "activity_id": c.activity_id, "volunteer_id": c.a.id, "minutes": 60})
    assert logged.status_code == 201
