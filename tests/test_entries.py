"""A person's account and entries: who may see them, signs, balances after, paging."""

from tests.factories import bearer, make_user
from tests.factories_points import approve, crew, log, make_activity, spend


def test_a_resident_sees_their_own_account_and_others_get_not_found(app, client):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    approve(app, rid, c.admin)
    mine = client.get(f"/api/v1/accounts/{c.a.id}", headers=bearer(app, c.a))
    assert mine.status_code == 200 and mine.get_json()["balance"] == 10 and mine.get_json()["user_id"] == c.a.id
    other = client.get(f"/api/v1/accounts/{c.a.id}", headers=bearer(app, c.b))
    assert (other.status_code, other.get_json()["error"]["code"]) == (404, "not_found")
    assert client.get(f"/api/v1/accounts/{c.a.id}/entries", headers=bearer(app, c.b)).status_code == 404
    assert client.get("/api/v1/accounts/999999", headers=bearer(app, c.admin)).status_code == 404
    assert client.get(f"/api/v1/accounts/{2**63}", headers=bearer(app, c.admin)).status_code == 404
    assert client.get(f"/api/v1/accounts/{c.a.id}").status_code == 401
    auditor = make_user(app, "auditor")
    assert client.get(f"/api/v1/accounts/{c.a.id}", headers=bearer(app, auditor)).get_json()["balance"] == 10
    assert client.get(f"/api/v1/accounts/{c.a.id}", headers=bearer(app, c.admin)).status_code == 200


def test_entries_are_signed_newest_first_with_balance_after_and_paged(app, client):
    c = crew(app)
    ids = [log(app, c.activity_id, c.a, 60, c.lead)]
    for minutes in (120, 30):
        ids.append(log(app, make_activity(app, c.team_id, c.lead), c.a, minutes, c.lead))
    for rid in ids:
        approve(app, rid, c.admin)
    spend(app, c.a, 7)
    h = bearer(app, c.a)
    page = client.get(f"/api/v1/accounts/{c.a.id}/entries?limit=2", headers=h).get_json()
    assert [e["points"] for e in page["items"]] == [-7, 5]
    assert [e["balance_after"] for e in page["items"]] == [28, 35]
    assert page["items"][0]["kind"] == "redemption" and page["items"][1]["kind"] == "hours_award"
    assert set(page["items"][0]) >= {"id", "at", "points", "kind", "balance_after", "memo"}
    rest = client.get(f"/api/v1/accounts/{c.a.id}/entries?limit=2&cursor={page['next']}", headers=h).get_json()
    assert [e["points"] for e in rest["items"]] == [20, 10] and rest["next"] is None
    bad = client.get(f"/api/v1/accounts/{c.a.id}/entries?limit=0", headers=h)
    assert bad.status_code == 422


def test_a_person_without_entries_has_zero_and_an_empty_list(app, client):
    person = make_user(app)
    h = bearer(app, person)
    assert client.get(f"/api/v1/accounts/{person.id}", headers=h).get_json()["balance"] == 0
    assert client.get(f"/api/v1/accounts/{person.id}/entries", headers=h).get_json() == {"items": [], "next": None}
    assert client.get(f"/api/v1/accounts/{person.id}/entries?cursor=x", headers=h).status_code == 422
