"""The policy: defaults, PUT any subset, 422 naming each bad field, versions and audit, the settings page."""

import json

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from extensions import db
from policy.models import PolicyVersion
from tests.factories import bearer, make_user, sign_in

DEFAULTS = {
    "version": 0, "expiry_months": None,
    "star_levels": [{"star": n, "hours": h, "points_earned": 0} for n, h in enumerate((100, 300, 600, 1000, 1500), 1)],
    "redeem_min_star": 0, "redemptions_per_quarter": None, "exchange_days": None,
    "honour_hours_earn_points": False, "notice_days": 7,
}


def versions(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count(PolicyVersion.id))).scalar_one()


def test_everyone_signed_in_reads_the_defaults_until_an_admin_sets_one(app, client):
    resident = make_user(app)
    response = client.get("/api/v1/policy", headers=bearer(app, resident))
    assert response.status_code == 200 and response.get_json() == DEFAULTS
    assert client.get("/api/v1/policy").status_code == 401


def test_a_put_changes_only_the_fields_given_and_answers_the_whole_policy_with_a_new_version(app, client):
    admin = make_user(app, "admin")
    headers = bearer(app, admin)
    first = client.put("/api/v1/policy", json={"redemptions_per_quarter": 1, "exchange_days": [15, 1]},
                       headers=headers)
    assert first.status_code == 200
    body = first.get_json()
    assert body["version"] >= 1 and body["redemptions_per_quarter"] == 1 and body["exchange_days"] == [1, 15]
    assert {k: v for k, v in body.items() if k not in ("version", "redemptions_per_quarter", "exchange_days")} == \
        {k: v for k, v in DEFAULTS.items() if k not in ("version", "redemptions_per_quarter", "exchange_days")}
    second = client.put("/api/v1/policy", json={"honour_hours_earn_points": True, "exchange_days": None},
                        headers=headers).get_json()
    assert second["version"] > body["version"] and second["redemptions_per_quarter"] == 1
    assert second["exchange_days"] is None and second["honour_hours_earn_points"] is True
    assert client.get("/api/v1/policy", headers=headers).get_json() == second


def test_each_change_is_audited_with_before_and_after(app, client):
    admin = make_user(app, "admin")
    client.put("/api/v1/policy", json={"expiry_months": 36}, headers=bearer(app, admin))
    with app.app_context():
        event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "policy.changed")).scalar_one()
        before, after = json.loads(event.before), json.loads(event.after)
    assert event.actor_id == admin.id
    assert before["expiry_months"] is None and before["version"] == 0
    assert after["expiry_months"] == 36 and after["version"] == event.subject_id


@pytest.mark.parametrize("change, field", [
    ({"expiry_months": 0}, "expiry_months"),
    ({"expiry_months": 121}, "expiry_months"),
    ({"expiry_months": "36"}, "expiry_months"),
    ({"expiry_months": 3.5}, "expiry_months"),
    ({"star_levels": []}, "star_levels"),
    ({"star_levels": [{"star": 1, "hours": 100}] * 11}, "star_levels"),
    ({"star_levels": [{"star": 1, "hours": 300}, {"star": 2, "hours": 100}]}, "star_levels"),
    ({"star_levels": [{"star": 1, "hours": 100}, {"star": 2, "hours": 100}]}, "star_levels"),
    ({"star_levels": [{"star": 2, "hours": 100}]}, "star_levels"),
    ({"star_levels": [{"star": 1, "hours": 0}]}, "star_levels"),
    ({"star_levels": [{"star": 1, "hours": 100001}]}, "star_levels"),
    ({"star_levels": [{"star": 1, "hours": 100, "points_earned": -1}]}, "star_levels"),
    ({"star_levels": "100,300"}, "star_levels"),
    ({"redeem_min_star": 6}, "redeem_min_star"),
    ({"redeem_min_star": -1}, "redeem_min_star"),
    ({"redeem_min_star": True}, "redeem_min_star"),
    ({"redemptions_per_quarter": 0}, "redemptions_per_quarter"),
    ({"redemptions_per_quarter": 1001}, "redemptions_per_quarter"),
    ({"exchange_days": []}, "exchange_days"),
    ({"exchange_days": [0]}, "exchange_days"),
    ({"exchange_days": [32]}, "exchange_days"),
    ({"exchange_days": [15, 15]}, "exchange_days"),
    ({"exchange_days": "15"}, "exchange_days"),
    ({"honour_hours_earn_points": 1}, "honour_hours_earn_points"),
    ({"honour_hours_earn_points": "true"}, "honour_hours_earn_points"),
    ({"notice_days": 0}, "notice_days"),
    ({"notice_days": 61}, "notice_days"),
    ({"notice_days": 10**30}, "notice_days"),
    ({"nonsense": 1}, "nonsense"),
])
def test_a_bad_value_is_refused_naming_its_field_and_nothing_is_saved(app, client, change, field):
    admin = make_user(app, "admin")
    response = client.put("/api/v1/policy", json=change, headers=bearer(app, admin))
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["fields"]
    assert versions(app) == 0


def test_every_bad_field_is_named_at_once(app, client):
    admin = make_user(app, "admin")
    response = client.put("/api/v1/policy", json={"expiry_months": 0, "notice_days": 99, "exchange_days": [40],
                                                  "redemptions_per_quarter": "x"}, headers=bearer(app, admin))
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"expiry_months", "notice_days", "exchange_days",
                                                           "redemptions_per_quarter"}


def test_fewer_levels_than_the_minimum_star_needs_is_refused(app, client):
    admin = make_user(app, "admin")
    headers = bearer(app, admin)
    assert client.put("/api/v1/policy", json={"redeem_min_star": 3}, headers=headers).status_code == 200
    response = client.put("/api/v1/policy", json={"star_levels": [{"star": 1, "hours": 10}]}, headers=headers)
    assert response.status_code == 422 and "redeem_min_star" in response.get_json()["error"]["fields"]


def test_only_an_admin_changes_the_policy_and_malformed_json_is_400(app, client):
    for role in ("resident", "team_lead", "store_keeper", "auditor"):
        person = make_user(app, role)
        response = client.put("/api/v1/policy", json={"notice_days": 5}, headers=bearer(app, person))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    admin = make_user(app, "admin")
    response = client.put("/api/v1/policy", data="{", content_type="application/json", headers=bearer(app, admin))
    assert response.status_code == 400
    response = client.put("/api/v1/policy", json=[1], headers=bearer(app, admin))
    assert response.status_code == 400
    assert versions(app) == 0


def test_the_settings_page_explains_the_defaults_in_chinese_and_saves_a_version(app, client):
    admin = make_user(app, "admin", name="王建国")
    sign_in(client, admin)
    chinese = client.get("/policy", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "积分政策" in chinese
    page = client.get("/policy").get_data(as_text=True)
    assert "Points policy" in page
    assert "100, 300, 600, 1000, 1500" in page
    response = client.post("/policy", data={
        "expiry_months": "36", "star_hours": "100, 300, 600, 1000, 1500", "star_points": "",
        "redeem_min_star": "1", "redemptions_per_quarter": "1", "exchange_days": "15", "notice_days": "7"})
    assert response.status_code in (302, 303)
    body = client.get("/api/v1/policy", headers=bearer(app, admin)).get_json()
    assert body["expiry_months"] == 36 and body["redeem_min_star"] == 1 and body["exchange_days"] == [15]
    assert body["honour_hours_earn_points"] is False
    listing = client.get("/policy").get_data(as_text=True)
    assert "王建国" in listing and "expiry_months" in listing


def test_the_settings_page_names_a_bad_field_and_saves_nothing(app, client):
    admin = make_user(app, "admin")
    sign_in(client, admin)
    response = client.post("/policy", data={
        "expiry_months": "١٢", "star_hours": "300, 100", "redeem_min_star": "0", "notice_days": "7"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "is-invalid" in page
    assert versions(app) == 0


def test_an_auditor_reads_the_settings_page_without_its_form_in_english(app, client):
    auditor = make_user(app, "auditor")
    sign_in(client, auditor)
    client.get("/lang/en")
    response = client.get("/policy")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Points never expire." in page
    assert 'action="/policy"' not in page
    assert client.post("/policy", data={"notice_days": "5"}).status_code == 403


@pytest.mark.slow
def test_two_admins_changing_different_fields_at_once_both_count(app, database_url):
    import threading

    from app import create_app
    from policy.current import load_policy
    from policy.services import set_policy
    from tests.factories_points import load_user

    admins = [make_user(app, "admin") for _ in range(4)]
    changes = [{"notice_days": 5}, {"redemptions_per_quarter": 2}, {"expiry_months": 36}, {"redeem_min_star": 1}]
    workers_app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url})
    start, errors = threading.Barrier(len(admins)), []

    def change(n: int) -> None:
        with workers_app.test_request_context():
            start.wait()
            try:
                set_policy(changes[n], load_user(admins[n].id))
            except Exception as error:  # noqa: BLE001 - the test reports it
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=change, args=(n,)) for n in range(len(admins))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with workers_app.app_context():
        db.engine.dispose()
    assert errors == []
    with app.app_context():
        final = load_policy()
        assert (final.notice_days, final.redemptions_per_quarter, final.expiry_months, final.redeem_min_star) == \
            (5, 2, 36, 1)
        assert versions(app) == 4
