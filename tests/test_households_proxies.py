"""Proxies (代办人): named by an admin, read the resident's account, present the card at the counter;
the redemption, its receipt and its audit event name the proxy. Every refusal."""

import json

import sqlalchemy as sa

from audit.models import AuditEvent
from extensions import db
from redemption.models import Redemption
from tests.factories import bearer, make_user, sign_in
from tests.factories_households import make_proxy
from tests.factories_store import give_points, make_item, make_store


def test_an_admin_names_a_proxy_who_then_reads_the_account_and_entries(app, client):
    admin, elder, worker = make_user(app, "admin"), make_user(app, name="赵桂芝"), make_user(app, name="网格员刘强")
    give_points(app, elder.id, 80)
    path = f"/api/v1/accounts/{elder.id}"
    assert client.get(path, headers=bearer(app, worker)).status_code == 404
    response = client.post(f"/api/v1/users/{elder.id}/proxies", json={"proxy_id": worker.id},
                           headers=bearer(app, admin))
    assert response.status_code == 201, response.json
    assert response.json["proxy_id"] == worker.id
    assert client.get(path, headers=bearer(app, worker)).json["balance"] == 80
    entries = client.get(path + "/entries", headers=bearer(app, worker)).json["items"]
    assert [e["points"] for e in entries] == [80]
    listed = client.get(f"/api/v1/users/{elder.id}/proxies", headers=bearer(app, admin)).json["items"]
    assert [p["proxy_name"] for p in listed] == ["网格员刘强"]
    with app.app_context():
        event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "proxy.named")).scalar_one()
        assert json.loads(event.after)["proxy_id"] == worker.id


def test_ending_a_proxy_takes_the_access_away_at_once(app, client):
    admin, elder, son = make_user(app, "admin"), make_user(app), make_user(app)
    make_proxy(app, elder.id, son.id, admin)
    gone = client.delete(f"/api/v1/users/{elder.id}/proxies/{son.id}", headers=bearer(app, admin))
    assert gone.status_code == 204
    assert client.get(f"/api/v1/accounts/{elder.id}", headers=bearer(app, son)).status_code == 404
    again = client.delete(f"/api/v1/users/{elder.id}/proxies/{son.id}", headers=bearer(app, admin))
    assert again.status_code == 404
    # named again later: a new open relation
    assert client.post(f"/api/v1/users/{elder.id}/proxies", json={"proxy_id": son.id},
                       headers=bearer(app, admin)).status_code == 201


def test_proxy_refusals(app, client):
    admin, elder, son, resident = make_user(app, "admin"), make_user(app), make_user(app), make_user(app)
    headers = bearer(app, admin)
    path = f"/api/v1/users/{elder.id}/proxies"
    assert client.post(path, json={"proxy_id": son.id}, headers=bearer(app, resident)).status_code == 403
    assert client.post(path, json={"proxy_id": son.id}).status_code == 401
    assert client.post("/api/v1/users/999999/proxies", json={"proxy_id": son.id}, headers=headers).status_code == 404
    for body in ({"proxy_id": elder.id}, {"proxy_id": 999999}, {"proxy_id": "2"}, {}, {"proxy_id": 2**64}):
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 422, body
        assert "proxy_id" in response.json["error"]["fields"]
    own = client.post(path, json={"proxy_id": admin.id}, headers=headers)
    assert own.status_code == 403  # an admin does not make themselves anyone's proxy
    assert client.post(f"/api/v1/users/{admin.id}/proxies", json={"proxy_id": son.id},
                       headers=headers).status_code == 403
    assert client.post(path, json={"proxy_id": son.id}, headers=headers).status_code == 201
    twice = client.post(path, json={"proxy_id": son.id}, headers=headers)
    assert (twice.status_code, twice.json["error"]["code"]) == (409, "already_proxy")


def _counter(app):
    keeper, admin = make_user(app, "store_keeper"), make_user(app, "admin")
    elder, worker = make_user(app, name="赵桂芝"), make_user(app, name="刘强")
    store = make_store(app, keeper.id)
    item = make_item(app, store.id, price=10, stock=10)
    give_points(app, elder.id, 100)
    make_proxy(app, elder.id, worker.id, admin)
    return keeper, admin, elder, worker, store, item


def _redeem(client, app, keeper, store, elder, item, **extra):
    return client.post("/api/v1/redemptions", headers=bearer(app, keeper), json={
        "store_id": store.id, "resident_id": elder.id, "lines": [{"item_id": item, "quantity": 1}], **extra})


def test_a_redemption_carries_the_proxy_into_its_record_receipt_and_audit(app, client):
    keeper, _admin, elder, worker, store, item = _counter(app)
    response = _redeem(client, app, keeper, store, elder, item, proxy_id=worker.id)
    assert response.status_code == 201, response.json
    assert response.json["proxy_id"] == worker.id
    with app.app_context():
        assert db.session.get(Redemption, response.json["id"]).proxy_id == worker.id
        event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "redemption.created")).scalar_one()
        assert json.loads(event.after)["proxy_name"] == "刘强"
    sign_in(client, keeper)
    page = client.get(f"/store/redemptions/{response.json['id']}").get_data(as_text=True)
    assert "Proxy: 刘强" in page


def test_a_redemption_naming_someone_who_is_not_a_proxy_is_refused(app, client):
    keeper, admin, elder, worker, store, item = _counter(app)
    stranger = make_user(app)
    for proxy_id in (stranger.id, 999999, "7", 0):
        response = _redeem(client, app, keeper, store, elder, item, proxy_id=proxy_id)
        assert response.status_code == 422, proxy_id
        assert "proxy_id" in response.json["error"]["fields"]
    client.delete(f"/api/v1/users/{elder.id}/proxies/{worker.id}", headers=bearer(app, admin))
    ended = _redeem(client, app, keeper, store, elder, item, proxy_id=worker.id)
    assert ended.status_code == 422
    as_keeper = _redeem(client, app, keeper, store, elder, item, proxy_id=keeper.id)
    assert as_keeper.status_code == 403
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Redemption)).scalar() == 0


def test_the_counter_page_offers_the_residents_proxies_and_prints_the_choice(app, client):
    keeper, _admin, elder, worker, store, item = _counter(app)
    sign_in(client, keeper)
    page = client.get(f"/store/counter?resident={elder.id}").get_data(as_text=True)
    assert 'name="proxy_id"' in page and "刘强" in page
    done = client.post("/store/counter/redeem", data={
        "store_id": str(store.id), "resident_id": str(elder.id), f"qty-{item}": "1", "proxy_id": str(worker.id),
        "idempotency_key": "a" * 32})
    assert done.status_code == 303, done.get_data(as_text=True)[:300]
    receipt = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Proxy: 刘强" in receipt
    bad = client.post("/store/counter/redeem", data={
        "store_id": str(store.id), "resident_id": str(elder.id), f"qty-{item}": "1", "proxy_id": "１",
        "idempotency_key": "b" * 32})
    assert bad.status_code == 422


def test_the_proxy_sees_the_resident_on_their_own_phone(app, client):
    keeper, _admin, elder, worker, store, item = _counter(app)
    sign_in(client, worker)
    family = client.get("/family").get_data(as_text=True)
    assert "赵桂芝" in family and "100" in family
    page = client.get(f"/family/acting-for/{elder.id}")
    assert page.status_code == 200 and "100" in page.get_data(as_text=True)
    other = make_user(app)
    assert client.get(f"/family/acting-for/{other.id}").status_code == 404
