"""Suggestions and the party members' annual "四个一" record: counts per item, per year, CSV."""

from core.timeutil import shanghai_today
from tests.factories import bearer, make_user
from tests.factories_accounts import make_community
from tests.factories_community import make_need, make_party_member, make_unit, make_wish
from tests.factories_points import approve, log, make_activity, make_team


def test_suggestions_need_text_and_a_sign_in(app, client):
    person = make_user(app)
    h = bearer(app, person)
    made = client.post("/api/v1/suggestions", headers=h, json={"text": "建议在小区门口增设快递柜"})
    assert made.status_code == 201 and made.get_json()["user_id"] == person.id
    assert client.post("/api/v1/suggestions", headers=h, json={"text": ""}).status_code == 422
    assert client.post("/api/v1/suggestions", headers=h, json={"text": 3}).status_code == 422
    assert client.post("/api/v1/suggestions", json={"text": "x"}).status_code == 401


def test_the_annual_record_counts_each_of_the_four_items_per_member(app, client):
    community = make_community(app, "怡园社区")["id"]
    admin, auditor, lead = make_user(app, "admin"), make_user(app, "auditor"), make_user(app, "team_lead")
    unit_id = make_unit(app, "中国银行某支行")
    busy = make_party_member(app, unit_id, name="李建国")
    idle = make_party_member(app, unit_id, name="王芳芳")
    make_user(app, name="不是党员")
    # a suggestion, a wish claimed, a need completed, and an hour of service
    client.post("/api/v1/suggestions", headers=bearer(app, busy), json={"text": "增设休息座椅"})
    make_wish(app, make_user(app), state="claimed", claimer=busy)
    need_id = make_need(app, community)
    other_unit = make_unit(app, "某某物业公司", contacts=[busy])  # busy is its contact, employed elsewhere
    hb = bearer(app, busy)
    assert client.post(f"/api/v1/needs/{need_id}/claim", headers=hb, json={"unit_id": other_unit}).status_code == 200
    assert client.post(f"/api/v1/needs/{need_id}/complete", headers=hb, json={"note": "完成"}).status_code == 200
    team = make_team(app, leads=[lead], members=[busy])
    approve(app, log(app, make_activity(app, team, lead), busy, 90, lead), admin)

    year = shanghai_today().year
    for who in (admin, auditor):
        response = client.get(f"/api/v1/party-members/annual?year={year}", headers=bearer(app, who))
        assert response.status_code == 200
    items = {i["user_id"]: i for i in response.get_json()["items"]}
    assert set(items) == {busy.id, idle.id}
    b = items[busy.id]
    assert (b["name"], b["unit"], b["suggestions"], b["wishes_claimed"], b["needs_completed"],
            b["service_minutes"]) == ("李建国", "中国银行某支行", 1, 1, 1, 90)
    i = items[idle.id]
    assert (i["suggestions"], i["wishes_claimed"], i["needs_completed"], i["service_minutes"]) == (0, 0, 0, 0)
    last_year = client.get(f"/api/v1/party-members/annual?year={year - 1}", headers=bearer(app, admin)).get_json()
    assert {x["user_id"]: x["suggestions"] + x["wishes_claimed"] + x["needs_completed"]
            for x in last_year["items"]} == {busy.id: 0, idle.id: 0}


def test_the_annual_record_refuses_bad_years_and_other_roles(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    h = bearer(app, admin)
    for year in ("abc", "１２３４", "1999", "2101", "99999999999999999999", "2026\x00"):
        assert client.get("/api/v1/party-members/annual", query_string={"year": year}, headers=h).status_code == 422
    assert client.get("/api/v1/party-members/annual", headers=h).status_code == 200
    assert client.get("/api/v1/party-members/annual", headers=bearer(app, resident)).status_code == 403
    assert client.get("/api/v1/party-members/annual").status_code == 401
