"""The auditor reads every admin page and read API call, and changes nothing."""

import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from accounts.models import User
from audit.models import AuditEvent
from extensions import db
from points import awards
from tests.factories import bearer, make_user, sign_in
from tests.factories_points import crew, log
from tests.factories_store import counter_setup


@pytest.fixture
def street(app):
    """An admin, an auditor, a team with pending hours, an adjustment, a store with an item."""
    c = crew(app)
    auditor = make_user(app, "auditor")
    resident = make_user(app, phone="13812345678")
    record_id = log(app, c.activity_id, c.a, 60, c.lead)
    shop = counter_setup(app)
    with app.app_context():
        adjustment = awards.adjust_points(resident.id, 5, "补录", db.session.get(User, c.admin.id), "form:t:1")
        adjustment_id = adjustment.id
    return SimpleNamespace(c=c, auditor=auditor, resident=resident, record_id=record_id, shop=shop,
                           adjustment_id=adjustment_id)


def read_pages(s) -> list[str]:
    return [
        "/approvals", "/people", f"/people/{s.resident.id}/edit", "/communities", "/rules", "/awards",
        f"/awards/adjustments/{s.adjustment_id}", "/teams", f"/teams/{s.c.team_id}", "/store/stores",
        f"/store/stores/{s.shop.store.id}", f"/store/stores/{s.shop.store.id}/donors",
        f"/store/items/{s.shop.item_id}", "/reports/", "/audit/",
    ]


def test_every_admin_page_answers_200_for_an_auditor_without_action_forms(app, client, street):
    sign_in(client, street.auditor)
    for path in read_pages(street):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        actions = [a for a in re.findall(r'<form method="post"[^>]*action="([^"]*)"', html)
                   if a not in ("/sign-out", "/audit/verify")]  # verifying the chain is reading
        assert actions == [], (path, actions)


def test_auditor_pages_hide_action_buttons(app, client, street):
    sign_in(client, street.auditor)
    approvals = client.get("/approvals").get_data(as_text=True)
    assert "Approve selected" not in approvals and ">Approve<" not in approvals
    assert "Add person" not in client.get("/people").get_data(as_text=True)
    person = client.get(f"/people/{street.resident.id}/edit").get_data(as_text=True)
    assert "138****5678" in person and "13812345678" not in person and "Replace lost card" not in person
    assert "Add an item" not in client.get(f"/store/stores/{street.shop.store.id}").get_data(as_text=True)
    assert "Book stock" not in client.get(f"/store/items/{street.shop.item_id}").get_data(as_text=True)


def test_every_post_of_an_admin_page_is_403_for_an_auditor_and_changes_nothing(app, client, street):
    s = street
    sign_in(client, s.auditor)
    with app.app_context():
        events_before = db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()
    posts = {
        "/approvals/approve": {"ids": str(s.record_id)},
        f"/approvals/{s.record_id}/approve": {"idempotency_key": "a" * 32},
        f"/approvals/{s.record_id}/reject": {"reason": "x", "idempotency_key": "a" * 32},
        f"/people/{s.resident.id}/edit": {"name": "改名", "roles": "resident"},
        "/people/new": {"username": "newbie", "name": "新人", "password": "longenough1", "roles": "resident"},
        f"/people/{s.resident.id}/card/replace": {},
        "/communities": {"community-name": "新社区"},
        "/rules": {"points_per_hour": "20"},
        "/teams": {"name": "新队", "community_id": "0"},
        f"/teams/{s.c.team_id}": {"person": s.c.outsider.username},
        "/awards/adjustments/new": {"person": s.resident.username, "points": "5", "reason": "r",
                                    "idempotency_key": "b" * 32},
        "/store/stores": {"name": "新超市"},
        f"/store/items/{s.shop.item_id}/stock": {"kind": "donation", "delta": "3", "idempotency_key": "c" * 32},
    }
    for path, data in posts.items():
        assert client.post(path, data=data).status_code == 403, path
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one() == events_before


def test_card_and_form_only_pages_stay_closed_to_auditors(app, client, street):
    sign_in(client, street.auditor)
    for path in (f"/people/{street.resident.id}/card", "/people/new", "/awards/adjustments/new",
                 f"/store/items/{street.shop.item_id}/edit"):
        assert client.get(path).status_code == 403, path


def test_the_auditor_reads_the_admin_read_api_calls(app, client, street):
    h = bearer(app, street.auditor)
    for path in (f"/api/v1/users/{street.resident.id}", f"/api/v1/accounts/{street.resident.id}",
                 f"/api/v1/accounts/{street.resident.id}/entries", "/api/v1/audit", "/api/v1/audit/verify"):
        assert client.get(path, headers=h).status_code == 200, path
    person = client.get(f"/api/v1/users/{street.resident.id}", headers=h).get_json()
    assert person["phone"] == "138****5678" and "card_code" not in person
    # API.md keeps the people search to admins and store keepers; auditors read people one by one
    assert client.get("/api/v1/users?q=测试", headers=h).status_code == 403
    assert client.post("/api/v1/users", headers=h, json={
        "username": "x1", "name": "x", "password": "longenough1"}).status_code == 403


def test_an_auditor_who_is_also_an_admin_acts_as_an_admin(app, client, street):
    both = make_user(app, "admin", "auditor")
    sign_in(client, both)
    assert "Approve selected" in client.get("/approvals").get_data(as_text=True)
