"""Phones are whole for admins only; keepers find people by a whole phone or a long prefix, at a bounded rate."""

import pytest

from tests.factories import bearer, make_user, sign_in

PHONE = "13812345678"
MASKED = "138****5678"


@pytest.fixture
def people(app):
    admin, auditor = make_user(app, "admin"), make_user(app, "auditor")
    keeper = make_user(app, "store_keeper")
    resident = make_user(app, name="张小伟", phone=PHONE)
    return admin, auditor, keeper, resident


def test_auditors_read_the_audit_trail_with_masked_phones_on_page_csv_and_api(app, client, people):
    admin, auditor, _keeper, _resident = people
    sign_in(client, auditor)
    page = client.get("/audit/", query_string={"action": "user.created"}).get_data(as_text=True)
    csv = client.get("/audit/export.csv").get_data(as_text=True)
    api = client.get("/api/v1/audit", headers=bearer(app, auditor)).get_json()
    assert MASKED in page and PHONE not in page
    assert MASKED in csv and PHONE not in csv
    created = [e for e in api["items"] if e["action"] == "user.created" and e["after"].get("phone")]
    assert created and all(e["after"]["phone"] == MASKED for e in created)
    assert PHONE not in str(api)


def test_admins_read_the_audit_trail_with_whole_phones(app, client, people):
    admin = people[0]
    sign_in(client, admin)
    assert PHONE in client.get("/audit/export.csv").get_data(as_text=True)
    assert PHONE in str(client.get("/api/v1/audit", headers=bearer(app, admin)).get_json())


@pytest.mark.parametrize(("q", "found"), [
    (PHONE, True), ("1381234", True), ("138123", False), ("12345678", False), ("2345", False), ("5678", False),
])
def test_a_keepers_api_search_by_phone_matches_only_whole_numbers_or_long_prefixes(app, client, people, q, found):
    _admin, _auditor, keeper, resident = people
    items = client.get("/api/v1/users", query_string={"q": q}, headers=bearer(app, keeper)).get_json()["items"]
    assert (resident.id in [i["id"] for i in items]) is found
    assert all(i["phone"] in ("", MASKED) for i in items)


def test_an_admins_search_still_finds_any_part_of_a_phone(app, client, people):
    admin, resident = people[0], people[3]
    items = client.get("/api/v1/users", query_string={"q": "5678"}, headers=bearer(app, admin)).get_json()["items"]
    assert [i["id"] for i in items] == [resident.id] and items[0]["phone"] == PHONE


@pytest.mark.parametrize(("q", "found"), [(PHONE, True), ("1381234", True), ("12345678", False), ("5678", False)])
def test_the_counter_search_by_phone_matches_only_whole_numbers_or_long_prefixes(app, client, people, q, found):
    keeper, resident = people[2], people[3]
    sign_in(client, keeper)
    html = client.get("/store/counter/search", query_string={"q": q}).get_data(as_text=True)
    assert (f"resident={resident.id}" in html) is found
    assert (MASKED in html) is found


def test_keeper_searches_are_rate_limited_per_keeper(app, client, people):
    keeper, other_keeper = people[2], make_user(app, "store_keeper")
    app.config["KEEPER_SEARCHES_PER_MINUTE"] = 5
    h = bearer(app, keeper)
    sign_in(client, keeper)
    answers = [client.get("/api/v1/users", query_string={"q": "张"}, headers=h).status_code for _ in range(3)]
    answers += [client.get("/store/counter/search", query_string={"q": "张"}).status_code for _ in range(2)]
    assert answers == [200] * 5
    limited = client.get("/api/v1/users", query_string={"q": "张"}, headers=h)
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "rate_limited"
    assert client.get("/store/counter/search", query_string={"q": "张"}).status_code == 429
    assert client.get("/api/v1/users", query_string={"q": "张"},
                      headers=bearer(app, other_keeper)).status_code == 200
