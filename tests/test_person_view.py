"""An admin (or an auditor, read-only and masked) sees one person whole: balance, hours, star, history."""

import csv
import io

from tests.factories import bearer, make_user, sign_in
from tests.factories_points import approve, crew, log

PHONE = "13912345678"


def _served(app, c, minutes=120):
    rid = log(app, c.activity_id, c.a, minutes, c.lead)
    approve(app, rid, c.admin)
    return rid


def test_the_admin_page_shows_balance_hours_entries_and_roles(app, client):
    c = crew(app)
    _served(app, c)
    sign_in(client, c.admin)
    page = client.get(f"/people/{c.a.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="person-balance">20<' in html and "2.0" in html and "+20" in html
    assert "Resident" in html and "Hour records" in html and "style=" not in html
    assert client.get("/people/99999999").status_code == 404
    assert client.get("/people/99999999999").status_code == 404


def test_the_api_answers_the_person_with_star_and_masks_the_phone_for_auditors(app):
    admin, auditor = make_user(app, "admin"), make_user(app, "auditor")
    person = make_user(app, phone=PHONE)
    client = app.test_client()
    whole = client.get(f"/api/v1/users/{person.id}", headers=bearer(app, admin)).get_json()
    assert whole["phone"] == PHONE and whole["balance"] == 0 and whole["star"] == 0
    assert set(whole) >= {"id", "username", "name", "roles", "phone", "community_id", "active", "balance",
                          "service_minutes", "star"}
    masked = client.get(f"/api/v1/users/{person.id}", headers=bearer(app, auditor)).get_json()
    assert masked["phone"] == "139****5678"
    assert client.get(f"/api/v1/users/{person.id}", headers=bearer(app, person)).status_code == 403
    assert client.get(f"/api/v1/users/{person.id}").status_code == 401
    assert client.get("/api/v1/users/424242", headers=bearer(app, admin)).status_code == 404


def test_an_auditor_reads_the_page_with_a_masked_phone_and_no_edit_button(app, client):
    auditor, person = make_user(app, "auditor"), make_user(app, phone=PHONE)
    sign_in(client, auditor)
    html = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "139****5678" in html and PHONE not in html and f"/people/{person.id}/edit" not in html


def test_residents_and_keepers_cannot_open_someone_elses_page(app):
    person = make_user(app)
    for role in ("resident", "store_keeper", "team_lead"):
        client = app.test_client()
        sign_in(client, make_user(app, role))
        assert client.get(f"/people/{person.id}").status_code == 403


def test_exports_give_each_row_utf8_with_bom_and_refuse_bad_filters(app, client):
    c = crew(app)
    _served(app, c)
    sign_in(client, c.admin)
    entries = client.get(f"/reports/exports/entries.csv?user_id={c.a.id}")
    assert entries.status_code == 200 and entries.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(entries.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][2] == "hours_award" and rows[1][3] == "20" and rows[1][4] == "20"
    hours_rows = list(csv.reader(io.StringIO(
        client.get("/reports/exports/hours.csv?status=approved").get_data(as_text=True).lstrip("\ufeff"))))
    assert len(hours_rows) == 2 and hours_rows[1][6] == "120" and hours_rows[1][11] == "approved"
    assert len(list(csv.reader(io.StringIO(client.get("/reports/exports/hours.csv?status=pending")
                                           .get_data(as_text=True).lstrip("\ufeff"))))) == 1
    for bad in ("hours.csv?status=everything", "hours.csv?since=2026-13-01", "hours.csv?team_id=²",
                "entries.csv", "entries.csv?user_id=99999999999", "stock-movements.csv?store_id=abc",
                "redemption-lines.csv?until=yesterday"):
        assert client.get(f"/reports/exports/{bad}").status_code == 400, bad
    assert client.get("/reports/exports/entries.csv?user_id=999999").status_code == 404
    assert client.get("/reports/exports/redemption-lines.csv").status_code == 200
    assert client.get("/reports/exports/stock-movements.csv?since=2020-01-01").status_code == 200
    resident = app.test_client()
    sign_in(resident, c.a)
    assert resident.get(f"/reports/exports/entries.csv?user_id={c.a.id}").status_code == 403
