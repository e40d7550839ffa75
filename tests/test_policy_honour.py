"""Honour hours (补录): admins only, count toward minutes and stars, earn points only if the policy says so."""

from tests.factories import bearer, sign_in
from tests.factories_points import make_activity, yesterday
from tests.factories_policy import levels, policy, volunteers


def log(client, app, actor, activity_id, volunteer, minutes, **extra):
    return client.post("/api/v1/hours", json={"activity_id": activity_id, "volunteer_id": volunteer.id,
                                              "minutes": minutes, **extra}, headers=bearer(app, actor))


def approve(client, app, admin, record_id):
    response = client.post(f"/api/v1/hours/{record_id}/approve", headers=bearer(app, admin))
    assert response.status_code == 200, response.get_json()


def account(client, app, user):
    return client.get(f"/api/v1/accounts/{user.id}", headers=bearer(app, user)).get_json()


def test_by_default_honour_hours_count_toward_minutes_and_stars_but_earn_nothing(app, client):
    w = volunteers(app)
    policy(app, w.admin, star_levels=levels(1))
    activity_id = make_activity(app, w.team_id, w.lead, day=yesterday())
    response = log(client, app, w.admin, activity_id, w.a, 90, honour=True)
    assert response.status_code == 201
    record = response.get_json()
    assert record["honour"] is True and record["points"] == 0 and record["status"] == "pending"
    approve(client, app, w.admin, record["id"])
    body = account(client, app, w.a)
    assert body["service_minutes"] == 90 and body["star"] == 1 and body["balance"] == 0 and body["points_earned"] == 0


def test_with_the_setting_on_honour_hours_earn_points_like_any_other(app, client):
    w = volunteers(app)
    policy(app, w.admin, honour_hours_earn_points=True)
    activity_id = make_activity(app, w.team_id, w.lead, day=yesterday())
    record = log(client, app, w.admin, activity_id, w.a, 60, honour=True).get_json()
    assert record["points"] == 10 and record["honour"] is True
    approve(client, app, w.admin, record["id"])
    body = account(client, app, w.a)
    assert body["balance"] == 10 and body["points_earned"] == 10
    entry = client.get(f"/api/v1/accounts/{w.a.id}/entries", headers=bearer(app, w.a)).get_json()["items"][0]
    assert "补录" in entry["memo"]


def test_a_lead_cannot_record_honour_hours_but_logs_ordinary_ones(app, client):
    w = volunteers(app)
    activity_id = make_activity(app, w.team_id, w.lead)
    refused = log(client, app, w.lead, activity_id, w.a, 60, honour=True)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    bad = log(client, app, w.lead, activity_id, w.a, "x", honour=True)
    assert bad.status_code == 403  # 403 answers before 422
    ordinary = log(client, app, w.lead, activity_id, w.a, 60, honour=False)
    assert ordinary.status_code == 201 and ordinary.get_json()["honour"] is False
    assert log(client, app, w.admin, activity_id, w.b, 60, honour="yes").status_code == 422


def test_honour_hours_are_flagged_on_approvals_home_and_person_pages(app, client):
    w = volunteers(app)
    activity_id = make_activity(app, w.team_id, w.lead, day=yesterday())
    record = log(client, app, w.admin, activity_id, w.a, 60, honour=True).get_json()
    other_admin = __import__("tests.factories", fromlist=["make_user"]).make_user(app, "admin")
    sign_in(client, other_admin)
    assert "补录" in client.get("/approvals").get_data(as_text=True)
    approve(client, app, other_admin, record["id"])
    assert "补录" in client.get(f"/people/{w.a.id}").get_data(as_text=True)
    client.post("/sign-out")
    sign_in(client, w.a)
    assert "补录" in client.get("/").get_data(as_text=True)


def test_the_roster_page_offers_the_honour_box_to_admins_only(app, client):
    w = volunteers(app)
    activity_id = make_activity(app, w.team_id, w.lead, day=yesterday())
    sign_in(client, w.lead)
    assert 'name="honour"' not in client.get(f"/lead/activities/{activity_id}").get_data(as_text=True)
    client.post("/sign-out")
    sign_in(client, w.admin)
    assert 'name="honour"' in client.get(f"/lead/activities/{activity_id}").get_data(as_text=True)
    response = client.post(f"/lead/activities/{activity_id}/log",
                           data={"volunteer_id": str(w.a.id), "minutes": "45", "honour": "y"})
    assert response.status_code in (302, 303)
    body = client.get(f"/api/v1/accounts/{w.a.id}", headers=bearer(app, w.admin)).get_json()
    assert body["service_minutes"] == 0  # pending until approved


def test_the_hours_export_flags_honour_hours(app, client):
    import csv
    import io

    w = volunteers(app)
    activity_id = make_activity(app, w.team_id, w.lead, day=yesterday())
    log(client, app, w.admin, activity_id, w.a, 60, honour=True)
    log(client, app, w.lead, activity_id, w.b, 60)
    sign_in(client, w.admin)
    text = client.get("/reports/exports/hours.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    flags = {row[2]: row[-1] for row in rows[1:]}
    assert flags[w.a.username] != "" and flags[w.b.username] == ""
