"""The audit viewer page: roles, filters, escaping, paging, CSV export and the verify button."""

import csv
import io

import pytest

from tests.factories import make_user, sign_in
from tests.factories_reports import stub_missing_endpoints
from tests.test_audit_api import record_events, tamper


@pytest.fixture
def web(app):
    stub_missing_endpoints(app)
    return app.test_client()


def test_signed_out_people_are_sent_to_sign_in(web):
    response = web.get("/audit/")
    assert response.status_code in (302, 303) and "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", ["resident", "team_lead", "store_keeper"])
def test_other_roles_get_403(app, web, role):
    sign_in(web, make_user(app, role))
    assert web.get("/audit/").status_code == 403
    assert web.get("/audit/export.csv").status_code == 403
    assert web.post("/audit/verify").status_code == 403


def test_auditor_sees_events_with_escaped_before_and_after(app, web):
    auditor = make_user(app, "auditor")
    record_events(app, [("user.renamed", auditor.id, {"name": "旧名"}, {"name": "<script>alert(1)</script>"})])
    sign_in(web, auditor)
    response = web.get("/audit/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "user.renamed" in html and "旧名" in html and auditor.username in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html


def test_filters_by_actor_username_action_prefix_and_subject(app, web):
    admin, lead = make_user(app, "admin"), make_user(app, "team_lead")
    record_events(app, [("hours.logged", lead.id, None, {"m": "lead-did-this"}),
                        ("redemption.created", admin.id, None, {"m": "admin-did-this"})])
    sign_in(web, admin)
    html = web.get(f"/audit/?actor={lead.username}").get_data(as_text=True)
    assert "lead-did-this" in html and "admin-did-this" not in html
    html = web.get("/audit/?action=redemption.").get_data(as_text=True)
    assert "admin-did-this" in html and "lead-did-this" not in html
    html = web.get("/audit/?subject_type=hour_records&subject_id=2").get_data(as_text=True)
    assert "admin-did-this" in html and "lead-did-this" not in html


@pytest.mark.parametrize("query", ["since=notadate", "subject_id=abc", "action=a%3Bb",
                                   "since=2026-05-02&until=2026-05-01", "subject_id=99999999999999999999"])
def test_bad_filters_answer_422_with_the_form_not_a_500(app, web, query):
    sign_in(web, make_user(app, "admin"))
    assert web.get(f"/audit/?{query}").status_code == 422
    assert web.get(f"/audit/export.csv?{query}").status_code == 422


def test_pages_go_back_by_keyset(app, web):
    admin = make_user(app, "admin")
    record_events(app, [("test.page", admin.id, None, {"n": f"event-{n:03d}"}) for n in range(60)])
    sign_in(web, admin)
    first = web.get("/audit/?action=test.").get_data(as_text=True)
    assert "event-059" in first and "event-009" not in first and "Older" in first
    older_id = first.split("before=", 1)[1].split("&", 1)[0].split('"', 1)[0]
    second = web.get(f"/audit/?action=test.&before={older_id}").get_data(as_text=True)
    assert "event-009" in second and "event-059" not in second


def test_csv_export_has_bom_neutralised_formulas_and_the_same_filters(app, web):
    admin = make_user(app, "admin")
    record_events(app, [("=cmd|' /C calc'!A0", admin.id, None, {"x": 1}), ("hours.logged", admin.id, None, None)])
    sign_in(web, admin)
    response = web.get("/audit/export.csv")
    body = response.get_data()
    assert response.status_code == 200 and body.startswith(b"\xef\xbb\xbf")
    assert "attachment;" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    actions = [row[5] for row in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in actions and "hours.logged" in actions
    filtered = list(csv.reader(io.StringIO(
        web.get("/audit/export.csv?action=hours.").get_data().decode("utf-8-sig"))))
    assert [row[5] for row in filtered[1:]] == ["hours.logged"]


def test_verify_button_shows_ok_then_the_broken_event(app, web):
    auditor = make_user(app, "auditor")
    ids = record_events(app, [("hours.approved", auditor.id, None, {"p": 1}) for _ in range(2)])
    sign_in(web, auditor)
    html = web.post("/audit/verify").get_data(as_text=True)
    assert "alert-success" in html
    tamper(app, ids[0])
    html = web.post("/audit/verify").get_data(as_text=True)
    assert "alert-danger" in html and f"#{ids[0]}" in html


def test_extreme_dates_in_the_filter_are_refused_not_a_server_error(app):
    from tests.factories import make_user, sign_in

    client = app.test_client()
    sign_in(client, make_user(app, "auditor"))
    for since, until in (("0001-01-01", ""), ("", "9999-12-31")):
        response = client.get("/audit/", query_string={"since": since, "until": until})
        assert response.status_code == 422
        assert "between 1900 and 9000" in response.get_data(as_text=True)
