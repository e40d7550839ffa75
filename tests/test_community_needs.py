"""Co-building units and the needs list: claim by a unit's contact, complete, confirm, with refusals."""

from tests.factories import bearer, make_user
from tests.factories_accounts import make_community
from tests.factories_community import make_need, make_unit


def test_an_admin_registers_a_unit_with_contacts_and_names_are_unique(app, client):
    admin, contact = make_user(app, "admin"), make_user(app)
    h = bearer(app, admin)
    made = client.post("/api/v1/units", headers=h, json={"name": "区人民医院", "contact_ids": [contact.id]})
    assert made.status_code == 201
    assert made.get_json()["contact_ids"] == [contact.id]
    twice = client.post("/api/v1/units", headers=h, json={"name": "区人民医院", "contact_ids": []})
    assert twice.status_code == 422 and "name" in twice.get_json()["error"]["fields"]
    unknown = client.post("/api/v1/units", headers=h, json={"name": "第三中学", "contact_ids": [999999]})
    assert unknown.status_code == 422 and "contact_ids" in unknown.get_json()["error"]["fields"]
    bad = client.post("/api/v1/units", headers=h, json={"name": "第三中学", "contact_ids": ["1", True]})
    assert bad.status_code == 422
    assert client.post("/api/v1/units", headers=bearer(app, contact), json={"name": "x"}).status_code == 403


def test_a_need_goes_open_claimed_completed_confirmed(app, client):
    community = make_community(app, "民生社区")["id"]
    admin, contact = make_user(app, "admin"), make_user(app)
    unit_id = make_unit(app, "供电公司", contacts=[contact])
    ha, hc = bearer(app, admin), bearer(app, contact)
    made = client.post("/api/v1/needs", headers=ha,
                       json={"title": "飞线入地", "community_id": community, "details": "二号院"})
    assert made.status_code == 201 and made.get_json()["status"] == "open"
    need_id = made.get_json()["id"]
    assert [n["id"] for n in client.get("/api/v1/needs?status=open", headers=hc).get_json()["items"]] == [need_id]

    claimed = client.post(f"/api/v1/needs/{need_id}/claim", headers=hc, json={"unit_id": unit_id})
    assert claimed.status_code == 200 and claimed.get_json()["status"] == "claimed"
    assert claimed.get_json()["unit_id"] == unit_id
    assert client.get("/api/v1/needs?status=open", headers=hc).get_json()["items"] == []
    done = client.post(f"/api/v1/needs/{need_id}/complete", headers=hc, json={"note": "已改造完毕"})
    assert done.status_code == 200 and done.get_json()["status"] == "completed"
    confirmed = client.post(f"/api/v1/needs/{need_id}/confirm", headers=ha)
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    twice = client.post(f"/api/v1/needs/{need_id}/confirm", headers=ha)
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "invalid_state"


def test_only_a_contact_of_the_unit_claims_and_only_the_claiming_units_contact_completes(app, client):
    community = make_community(app, "朝阳社区")["id"]
    contact_a, contact_b, stranger = make_user(app), make_user(app), make_user(app)
    unit_a = make_unit(app, "市税务局", contacts=[contact_a])
    unit_b = make_unit(app, "第三中学", contacts=[contact_b])
    need_id = make_need(app, community)

    nobody = client.post(f"/api/v1/needs/{need_id}/claim", headers=bearer(app, stranger), json={"unit_id": unit_a})
    assert nobody.status_code == 403
    for_other = client.post(f"/api/v1/needs/{need_id}/claim", headers=bearer(app, contact_b),
                            json={"unit_id": unit_a})
    assert for_other.status_code == 403
    bad_unit = client.post(f"/api/v1/needs/{need_id}/claim", headers=bearer(app, contact_b), json={"unit_id": 999999})
    assert bad_unit.status_code == 422 and "unit_id" in bad_unit.get_json()["error"]["fields"]
    early = client.post(f"/api/v1/needs/{need_id}/complete", headers=bearer(app, contact_a), json={"note": "x"})
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "invalid_state"
    assert client.post(f"/api/v1/needs/{need_id}/claim", headers=bearer(app, contact_a),
                       json={"unit_id": unit_a}).status_code == 200
    taken = client.post(f"/api/v1/needs/{need_id}/claim", headers=bearer(app, contact_b), json={"unit_id": unit_b})
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "already_claimed"
    not_theirs = client.post(f"/api/v1/needs/{need_id}/complete", headers=bearer(app, contact_b), json={"note": "x"})
    assert not_theirs.status_code == 403
    no_note = client.post(f"/api/v1/needs/{need_id}/complete", headers=bearer(app, contact_a), json={"note": " "})
    assert no_note.status_code == 422
    assert client.post(f"/api/v1/needs/{need_id}/confirm", headers=bearer(app, contact_a)).status_code == 403
    assert client.post("/api/v1/needs/999999/claim", headers=bearer(app, contact_a),
                       json={"unit_id": unit_a}).status_code == 404


def test_bad_needs_input_answers_422(app, client):
    admin = make_user(app, "admin")
    h = bearer(app, admin)
    for body in ({}, {"title": "x", "community_id": 999999}, {"title": "x", "community_id": "1"},
                 {"title": "", "community_id": 1}):
        assert client.post("/api/v1/needs", headers=h, json=body).status_code == 422, body
    assert client.get("/api/v1/needs?status=nope", headers=h).status_code == 422
    assert client.get("/api/v1/needs?limit=abc", headers=h).status_code == 422
    assert client.get("/api/v1/needs").status_code == 401


def test_a_persons_employer_unit_is_set_by_patch_and_must_exist(app, client):
    admin, person = make_user(app, "admin"), make_user(app)
    unit_id = make_unit(app, "区法院")
    h = bearer(app, admin)
    ok = client.patch(f"/api/v1/users/{person.id}", headers=h,
                      json={"party_member": True, "unit_id": unit_id, "in_need": True})
    assert ok.status_code == 200
    assert (ok.get_json()["party_member"], ok.get_json()["unit_id"], ok.get_json()["in_need"]) == (True, unit_id, True)
    missing = client.patch(f"/api/v1/users/{person.id}", headers=h, json={"unit_id": 999999})
    assert missing.status_code == 422 and "unit_id" in missing.get_json()["error"]["fields"]
    wrong = client.patch(f"/api/v1/users/{person.id}", headers=h, json={"unit_id": "1"})
    assert wrong.status_code == 422
    cleared = client.patch(f"/api/v1/users/{person.id}", headers=h, json={"unit_id": None})
    assert cleared.status_code == 200 and cleared.get_json()["unit_id"] is None
    assert client.get(f"/api/v1/users/{person.id}", headers=h).get_json()["unit_id"] is None


def test_the_needs_list_is_filtered_by_community(app, client):
    first, second = make_community(app, "民生社区")["id"], make_community(app, "朝阳社区")["id"]
    mine = make_need(app, first, title="社区食堂")
    make_need(app, second, title="健身器材更新")
    h = bearer(app, make_user(app))
    items = client.get(f"/api/v1/needs?community_id={first}", headers=h).get_json()["items"]
    assert [n["id"] for n in items] == [mine]
    assert client.get("/api/v1/needs?community_id=x1", headers=h).status_code == 422
