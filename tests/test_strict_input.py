"""Numbers in query strings and form fields: ASCII digits only, bounded; never a 500."""

import pytest
import sqlalchemy as sa

from core.validate import MAX_ID, parse_id, parse_int, parse_page
from extensions import db
from points.models import HourRecord
from redemption.models import Redemption
from tests.factories import make_user, sign_in
from tests.factories_points import crew, log
from tests.factories_store import counter_setup, snapshot, stock_of

HOSTILE = ["²", "١", "１", "99999999999999999999", str(2**63), "-1", "1e3", " ", "0x10", "1.5"]
PAGES = ["²", "١", "99999999999999999999", "-1"]


@pytest.mark.parametrize("raw", HOSTILE + [None, "", "0", str(MAX_ID + 1)])
def test_parse_id_refuses_anything_but_an_ascii_id_in_range(raw):
    assert parse_id(raw) is None


def test_parse_helpers_read_plain_digits():
    assert parse_id("42") == 42 and parse_id(" 7 ") == 7 and parse_id(str(MAX_ID)) == MAX_ID
    assert parse_int("0") == 0 and parse_int("120", max_value=1440) == 120 and parse_int("1441", max_value=1440) is None
    assert parse_page("3") == 3
    assert [parse_page(raw) for raw in HOSTILE] == [1] * len(HOSTILE)


@pytest.mark.parametrize("raw", PAGES)
def test_history_and_receipt_pages_read_a_bad_page_number_as_page_one(app, client, raw):
    sign_in(client, make_user(app))
    for path in ("/history", "/store/my"):
        response = client.get(path, query_string={"page": raw})
        assert response.status_code == 200, (path, raw)


@pytest.mark.parametrize("raw", PAGES)
def test_the_approvals_page_reads_a_bad_page_number_as_page_one(app, client, raw):
    sign_in(client, make_user(app, "admin"))
    assert client.get("/approvals", query_string={"page": raw}).status_code == 200


@pytest.mark.parametrize("raw", ["²", "١", "99999999999999999999", str(MAX_ID + 1), "-3"])
def test_the_counter_answers_a_bad_resident_id_with_a_clear_404(app, client, raw):
    setup = counter_setup(app)
    sign_in(client, setup.keeper)
    response = client.get("/store/counter", query_string={"resident": raw})
    assert response.status_code == 404
    assert "No such resident" in response.get_data(as_text=True)


@pytest.mark.parametrize("raw", ["²", "١", "99999999999999999999"])
def test_counter_quantities_in_other_digits_are_refused_and_nothing_is_taken(app, client, raw):
    setup = counter_setup(app)
    sign_in(client, setup.keeper)
    before = snapshot(app, setup.resident.id)
    response = client.post("/store/counter/redeem", data={
        "idempotency_key": "a" * 32, "resident_id": setup.resident.id, "store_id": setup.store.id,
        f"qty-{setup.item_id}": raw})
    assert 400 <= response.status_code < 500
    assert snapshot(app, setup.resident.id) == before and stock_of(app, setup.item_id) == 5


@pytest.mark.parametrize("raw", ["²", "١", "99999999999999999999"])
def test_roster_minutes_in_other_digits_are_refused_row_by_row(app, client, raw):
    c = crew(app)
    sign_in(client, c.lead)
    response = client.post(f"/lead/activities/{c.activity_id}/roster", data={f"m-{c.a.id}": raw})
    assert response.status_code == 422
    assert "whole number" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(HourRecord.id))).scalar_one() == 0


@pytest.mark.parametrize("name", ["m-²", "m-١", "m-99999999999999999999"])
def test_roster_fields_naming_no_person_are_ignored(app, client, name):
    c = crew(app)
    sign_in(client, c.lead)
    response = client.post(f"/lead/activities/{c.activity_id}/roster", data={name: "60"})
    assert response.status_code < 500


@pytest.mark.parametrize("raw", ["²", "١", "99999999999999999999", str(MAX_ID + 1)])
def test_bulk_approval_with_a_bad_record_number_is_refused_whole(app, client, raw):
    c = crew(app)
    record_id = log(app, c.activity_id, c.a, 60, c.lead)
    sign_in(client, c.admin)
    response = client.post("/approvals/approve", data={"ids": [str(record_id), raw]})
    assert response.status_code == 422
    assert "not valid" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(HourRecord, record_id).status == "pending"


@pytest.mark.parametrize("raw", ["²", "١", "99999999999999999999"])
def test_number_fields_of_forms_take_only_ascii_digits(app, client, raw):
    admin = make_user(app, "admin")
    sign_in(client, admin)
    rules = client.post("/rules", data={"points_per_hour": raw})
    assert rules.status_code == 422
    audit = client.get("/audit/", query_string={"subject_id": raw})
    assert audit.status_code in (200, 422)


def redeem_one(client, setup, key: str) -> int:
    response = client.post("/store/counter/redeem", data={
        "idempotency_key": key, "resident_id": setup.resident.id, "store_id": setup.store.id,
        f"qty-{setup.item_id}": "1"})
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_a_redemptions_form_key_reused_to_void_it_is_refused_with_a_message(app, client):
    setup = counter_setup(app, stock=5)
    sign_in(client, setup.keeper)
    redemption_id = redeem_one(client, setup, "c" * 32)
    after_redeem = snapshot(app, setup.resident.id)

    reused = client.post(f"/store/redemptions/{redemption_id}/void",
                         data={"idempotency_key": "c" * 32, "reason": "扫错了"}, follow_redirects=True)

    assert reused.status_code == 200
    assert "already used for a different request" in reused.get_data(as_text=True)
    assert snapshot(app, setup.resident.id) == after_redeem and stock_of(app, setup.item_id) == 4
    with app.app_context():
        assert db.session.get(Redemption, redemption_id).status == "completed"


def test_an_approval_key_reused_for_another_record_or_a_reversal_is_refused(app, client):
    c = crew(app)
    first, second = log(app, c.activity_id, c.a, 60, c.lead), log(app, c.activity_id, c.b, 60, c.lead)
    sign_in(client, c.admin)
    key = "e" * 32
    assert client.post(f"/approvals/{first}/approve", data={"idempotency_key": key}).status_code == 302

    other = client.post(f"/approvals/{second}/approve", data={"idempotency_key": key}, follow_redirects=True)
    reversal = client.post(f"/approvals/{first}/reverse", data={"idempotency_key": key, "reason": "错了"},
                           follow_redirects=True)

    for response in (other, reversal):
        assert response.status_code == 200
        assert "already used for a different request" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(HourRecord, first).status == "approved"
        assert db.session.get(HourRecord, second).status == "pending"
