"""Service certificates (API.md "Volunteering"): numbers, the period, who may ask, the public page."""

import re
from datetime import timedelta

import sqlalchemy as sa

from core.timeutil import shanghai_today
from extensions import db
from tests.factories import bearer, make_user, sign_in
from tests.factories_points import approve, crew, log, make_activity, yesterday


def served_crew(app):
    """A crew where member a has 90 approved minutes yesterday and 30 pending today."""
    c = crew(app)
    with app.app_context():
        db.session.execute(sa.text("UPDATE users SET id_number = '110101199003071234' WHERE id = :id"),
                           {"id": c.a.id})
        db.session.commit()
    past = make_activity(app, c.team_id, c.lead, day=yesterday(), title="社区食堂助餐")
    approve(app, log(app, past, c.a, 90, c.lead), c.admin)
    log(app, c.activity_id, c.a, 30, c.lead)  # pending: not certified
    return c


def period(days: int = 7) -> dict:
    today = shanghai_today()
    return {"from": (today - timedelta(days=days)).isoformat(), "to": today.isoformat()}


def test_a_resident_gets_a_numbered_certificate_of_their_approved_hours(app, client):
    c = served_crew(app)
    made = client.post("/api/v1/certificates", headers=bearer(app, c.a), json={"user_id": c.a.id, **period()})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    year = shanghai_today().year  # issue year (Shanghai); a run across New Year's Eve may differ by one
    assert re.fullmatch(rf"JF-{year}-\d{{6}}", body["number"])
    assert body["user_id"] == c.a.id and body["service_minutes"] == 90
    assert [a["title"] for a in body["activities"]] == ["社区食堂助餐"] and "issued_at" in body


def test_numbers_are_consecutive_and_never_reused(app, client):
    c = served_crew(app)
    headers = bearer(app, c.a)
    numbers = [client.post("/api/v1/certificates", headers=headers, json={"user_id": c.a.id, **period()})
               .get_json()["number"] for _ in range(3)]
    serials = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert serials == [serials[0], serials[0] + 1, serials[0] + 2] and serials[0] == 1
    client.post("/api/v1/certificates", headers=headers, json={"user_id": c.a.id, "from": "2026-13-01", "to": "x"})
    after = client.post("/api/v1/certificates", headers=headers, json={"user_id": c.a.id, **period()}).get_json()
    assert int(after["number"].rsplit("-", 1)[1]) == serials[-1] + 1  # a refused request took no number


def test_the_period_is_checked(app, client):
    c = served_crew(app)
    headers = bearer(app, c.a)
    today = shanghai_today()
    for bad, field in (({"from": today.isoformat(), "to": (today - timedelta(days=1)).isoformat()}, "from"),
                       ({"from": today.isoformat(), "to": (today + timedelta(days=1)).isoformat()}, "to"),
                       ({"from": "2026-02-30", "to": today.isoformat()}, "from"),
                       ({"from": "２０２６-01-01", "to": today.isoformat()}, "from"),
                       ({"from": 20260101, "to": today.isoformat()}, "from"),
                       ({"to": today.isoformat()}, "from")):
        answer = client.post("/api/v1/certificates", headers=headers, json={"user_id": c.a.id, **bad})
        assert answer.status_code == 422, (bad, answer.get_json())
        assert field in answer.get_json()["error"]["fields"], bad


def test_only_the_person_or_an_admin_may_ask(app, client):
    c = served_crew(app)
    refused = client.post("/api/v1/certificates", headers=bearer(app, c.b), json={"user_id": c.a.id, **period()})
    assert refused.status_code == 403
    by_admin = client.post("/api/v1/certificates", headers=bearer(app, c.admin), json={"user_id": c.a.id, **period()})
    assert by_admin.status_code == 201 and by_admin.get_json()["service_minutes"] == 90
    unknown = client.post("/api/v1/certificates", headers=bearer(app, c.admin),
                          json={"user_id": 999999, **period()})
    assert unknown.status_code == 422 and "user_id" in unknown.get_json()["error"]["fields"]
    assert client.post("/api/v1/certificates", json={"user_id": c.a.id, **period()}).status_code == 401


def test_the_public_page_masks_the_name_and_the_id_number(app, client):
    c = served_crew(app)
    c_name = "张小伟"
    with app.app_context():
        db.session.execute(sa.text("UPDATE users SET name = :n WHERE id = :id"), {"n": c_name, "id": c.a.id})
        db.session.commit()
    number = client.post("/api/v1/certificates", headers=bearer(app, c.a),
                         json={"user_id": c.a.id, **period()}).get_json()["number"]

    public = client.get(f"/certificates/{number}")
    assert public.status_code == 200
    text = public.get_data(as_text=True)
    assert "张*伟" in text and c_name not in text
    assert "110101********1234" in text and "110101199003071234" not in text
    assert number in text and "社区食堂助餐" in text and "data:image/svg+xml" in text

    sign_in(client, c.a)
    own = client.get(f"/certificates/{number}").get_data(as_text=True)
    assert c_name in own and "110101199003071234" not in own

    admin_client = app.test_client()
    sign_in(admin_client, c.admin)
    assert "110101199003071234" in admin_client.get(f"/certificates/{number}").get_data(as_text=True)


def test_an_unknown_number_answers_404(app, client):
    for number in ("JF-2026-999999", "nonsense", "x" * 300):
        assert client.get(f"/certificates/{number}").status_code == 404


def test_issuing_is_audited_and_readable_through_the_api(app, client):
    c = served_crew(app)
    number = client.post("/api/v1/certificates", headers=bearer(app, c.a),
                         json={"user_id": c.a.id, **period()}).get_json()["number"]
    events = client.get("/api/v1/audit?action=certificate.", headers=bearer(app, c.admin)).get_json()["items"]
    assert len(events) == 1 and events[0]["after"]["number"] == number
    assert client.get(f"/api/v1/certificates/{number}", headers=bearer(app, c.a)).status_code == 200
    assert client.get(f"/api/v1/certificates/{number}", headers=bearer(app, c.b)).status_code == 404


def test_the_resident_requests_one_on_the_page_and_is_sent_to_it(app, client):
    c = served_crew(app)
    sign_in(client, c.a)
    today = shanghai_today()
    done = client.post("/certificates", data={"start": (today - timedelta(days=3)).isoformat(),
                                              "end": today.isoformat()})
    assert done.status_code in (302, 303) and "/certificates/JF-" in done.headers["Location"]
    bad = client.post("/certificates", data={"start": today.isoformat(),
                                             "end": (today - timedelta(days=3)).isoformat()})
    assert bad.status_code == 422
    other = make_user(app)
    refused = client.post("/certificates", data={"start": today.isoformat(), "end": today.isoformat(),
                                                 "username": other.username})
    assert refused.status_code == 403


def test_junk_numbers_and_usernames_never_reach_the_database(app, client):
    c = served_crew(app)
    for number in ("JF-2026-00000%001", "%00", "JF-２０２６-000001", "jf-2026-000001x"):
        assert client.get(f"/certificates/{number}").status_code == 404
        assert client.get(f"/api/v1/certificates/{number}", headers=bearer(app, c.admin)).status_code == 404
    admin_client = app.test_client()
    sign_in(admin_client, c.admin)
    today = shanghai_today().isoformat()
    bad = admin_client.post("/certificates", data={"start": today, "end": today, "username": "a\x00b"})
    assert bad.status_code == 422
