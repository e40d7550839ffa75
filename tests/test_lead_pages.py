"""The lead's roster shows who is already logged, has a search for long teams; the team view shows hours and stars."""

from tests.factories import make_user, sign_in
from tests.factories_points import approve, crew, log, make_team


def test_the_roster_marks_who_is_already_logged(app, client):
    c = crew(app)
    log(app, c.activity_id, c.a, 90, c.lead)
    sign_in(client, c.lead)
    html = client.get(f"/lead/activities/{c.activity_id}").get_data(as_text=True)
    row_a = html.split(f'for="m-{c.a.id}"', 1)[1].split("</label>", 1)[0]
    row_b = html.split(f'for="m-{c.b.id}"', 1)[1].split("</label>", 1)[0]
    assert "Logged: 90 min" in row_a and "Logged" not in row_b
    assert 'id="roster-search"' not in html  # a short team needs no search


def test_a_long_roster_gets_a_search_box_and_the_activity_form_defaults_to_today(app, client):
    from core.timeutil import shanghai_today
    from tests.factories_points import make_activity

    lead = make_user(app, "team_lead")
    members = [make_user(app) for _ in range(10)]
    team_id = make_team(app, leads=[lead], members=members)
    activity_id = make_activity(app, team_id, lead)
    sign_in(client, lead)
    assert 'id="roster-search"' in client.get(f"/lead/activities/{activity_id}").get_data(as_text=True)
    assert f'value="{shanghai_today().isoformat()}"' in client.get("/lead").get_data(as_text=True)


def test_the_team_view_lists_members_with_hours_and_is_only_for_their_leads(app, client):
    c = crew(app)
    approve(app, log(app, c.activity_id, c.a, 120, c.lead), c.admin)
    sign_in(client, c.lead)
    page = client.get(f"/lead/teams/{c.team_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and c.a.name in html and "2.0 h" in html
    assert html.index(c.a.name) < html.index(c.b.name)  # most hours first
    other_lead = make_user(app, "team_lead")
    other = app.test_client()
    sign_in(other, other_lead)
    assert other.get(f"/lead/teams/{c.team_id}").status_code == 404
    assert other.get("/lead/teams/99999999999").status_code == 404
    resident = app.test_client()
    sign_in(resident, c.a)
    assert resident.get(f"/lead/teams/{c.team_id}").status_code == 403
