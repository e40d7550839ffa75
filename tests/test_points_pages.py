"""The resident's, the lead's and the admin's points pages, driven through the test client."""

import io

from tests.factories import make_user, sign_in
from tests.factories_points import approve, balance, count_records, crew, log, record


def test_home_sends_strangers_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_resident_home_shows_balance_hours_card_and_entries(app, client):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 90, c.lead)
    approve(app, rid, c.admin)
    sign_in(client, c.a)
    page = client.get("/", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="balance">15<' in html
    assert "1.5" in html and c.a.card_code in html and "+15" in html
    assert "style=" not in html and "onclick" not in html
    history = client.get("/history", headers={"Accept-Language": "en"})
    assert history.status_code == 200 and "+15" in history.get_data(as_text=True)
    assert client.get("/history?page=999").status_code == 200


def test_residents_cannot_open_lead_or_approval_pages(app, client):
    c = crew(app)
    sign_in(client, c.a)
    assert client.get("/lead").status_code == 403
    assert client.get("/approvals").status_code == 403
    assert client.post(f"/lead/activities/{c.activity_id}/roster", data={f"m-{c.b.id}": "60"}).status_code == 403


def test_lead_creates_an_activity_and_logs_a_roster_from_the_phone_page(app, client):
    c = crew(app)
    sign_in(client, c.lead)
    lead_page = client.get("/lead")
    assert lead_page.status_code == 200
    made = client.post("/lead/activities", data={
        "team_id": c.team_id, "title": "清扫楼道", "day": "2020-05-01", "difficulty": "hard", "category": "环境卫生"})
    assert made.status_code == 302
    roster_url = made.headers["Location"]
    page = client.get(roster_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'name="m-{c.a.id}"' in html and 'data-minutes="240"' in html
    assert f'name="m-{c.lead.id}"' not in html  # nobody logs their own hours
    activity_id = int(roster_url.rstrip("/").rsplit("/", 1)[1])
    logged = client.post(f"/lead/activities/{activity_id}/roster", data={f"m-{c.a.id}": "60", f"m-{c.b.id}": ""})
    assert logged.status_code == 302
    assert count_records(app) == 1
    again = client.post(f"/lead/activities/{activity_id}/roster", data={f"m-{c.a.id}": "30", f"m-{c.b.id}": "2000"})
    assert again.status_code == 422
    assert count_records(app) == 1


def test_lead_single_log_and_csv_upload_show_errors_per_line(app, client):
    c = crew(app)
    sign_in(client, c.lead)
    single = client.post(f"/lead/activities/{c.activity_id}/log", data={"volunteer_id": c.a.id, "minutes": "45"})
    assert single.status_code == 302 and count_records(app) == 1
    bad = f"username,minutes\n{c.b.username},60\nghost,30\n{c.a.username},x\n".encode()
    response = client.post(f"/lead/activities/{c.activity_id}/csv",
                           data={"file": (io.BytesIO(bad), "roster.csv")}, content_type="multipart/form-data",
                           headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Line 3" in html and "Line 4" in html and "Line 2" not in html
    assert count_records(app) == 1
    good = f"用户名,分钟\n{c.b.username},60\n".encode("gb18030")
    response = client.post(f"/lead/activities/{c.activity_id}/csv",
                           data={"file": (io.BytesIO(good), "roster.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302 and count_records(app) == 2


def test_a_lead_cannot_open_another_teams_roster(app, client):
    c = crew(app)
    other = make_user(app, "team_lead")
    sign_in(client, other)
    assert client.get(f"/lead/activities/{c.activity_id}").status_code == 404
    assert client.get("/lead/activities/999999").status_code == 404


def test_admin_bulk_approves_rejects_and_reverses_from_the_approvals_page(app, client):
    c = crew(app)
    first = log(app, c.activity_id, c.a, 60, c.lead)
    second = log(app, c.activity_id, c.b, 120, c.lead)
    sign_in(client, c.admin)
    page = client.get("/approvals")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="select-all"' in html and "style=" not in html
    response = client.post("/approvals/approve", data={"ids": [str(first), str(second)]})
    assert response.status_code == 302
    assert balance(app, c.a) == 10 and balance(app, c.b) == 20
    refused = client.post(f"/approvals/{first}/reverse", data={"idempotency_key": "k1", "reason": ""})
    assert refused.status_code == 302 and record(app, first).status == "approved"
    client.post(f"/approvals/{first}/reverse", data={"idempotency_key": "k1", "reason": "记错了"})
    assert record(app, first).status == "reversed" and balance(app, c.a) == 0
    third = log(app, c.activity_id, c.a, 30, c.lead)
    client.post(f"/approvals/{third}/reject", data={"idempotency_key": "k2", "reason": "重复"})
    assert record(app, third).status == "rejected"
    fourth = log(app, c.activity_id, c.a, 30, c.lead)
    client.post(f"/approvals/{fourth}/approve", data={"idempotency_key": "k3"})
    client.post(f"/approvals/{fourth}/approve", data={"idempotency_key": "k3"})  # a double click
    assert balance(app, c.a) == 5
