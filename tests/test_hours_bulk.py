"""Bulk approval in chunks: any selection completes or says how far it got, never a 500."""

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.db import run_write
from extensions import db
from points import hours, hours_bulk, ledger
from points.ledger_models import Transfer
from points.ledger_verify import verify_ledger
from points.models import HourRecord
from tests.factories import make_user, sign_in
from tests.factories_hours import many_pending
from tests.factories_points import crew, load_user, log, make_activity, make_team


def statuses(app, ids) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(
            sa.select(HourRecord.status, sa.func.count()).where(HourRecord.id.in_(ids)).group_by(HourRecord.status)
        ).all())


def approved_events(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "hours.approved"))


def page_text(client, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.slow
def test_a_few_thousand_records_are_approved_in_chunks_each_credited_and_audited_once(app):
    admin, lead = make_user(app, "admin"), make_user(app, "team_lead")
    ids = many_pending(app, lead, people=40, activities=50, minutes=12)  # 2,000 records, 2 points each
    with app.test_request_context():
        outcome = hours.approve_many(ids, load_user(admin.id), budget_seconds=600)  # a busy test machine
    assert outcome.approved == ids and outcome.refused == {} and outcome.stopped is None
    assert outcome.chunks >= 2000 // hours_bulk.MAX_CHUNK and outcome.longest_chunk_seconds > 0
    assert statuses(app, ids) == {"approved": 2000}
    assert approved_events(app) == 2000
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Transfer.kind == "hours_award")) == 2000
        assert -ledger.account_balance(1) == 4000
        assert verify_ledger() == [] and hours.verify_day_minutes() == []


def test_the_page_answers_how_many_of_the_selection_were_approved(app, client):
    admin, lead = make_user(app, "admin"), make_user(app, "team_lead")
    ids = many_pending(app, lead, people=10, activities=30)
    app.config["BULK_APPROVAL_SECONDS"] = 600  # no time limit on a busy test machine
    sign_in(client, admin)
    response = client.post("/approvals/approve", data={"ids": [str(i) for i in ids]})
    assert "300 of 300 records approved." in page_text(client, response)
    assert statuses(app, ids) == {"approved": 300}


def test_a_run_out_of_time_stops_between_chunks_and_says_how_far_it_got(app, client):
    admin, lead = make_user(app, "admin"), make_user(app, "team_lead")
    ids = many_pending(app, lead, people=10, activities=30)
    app.config["BULK_APPROVAL_SECONDS"] = 0  # only the first chunk fits
    sign_in(client, admin)
    html = page_text(client, client.post("/approvals/approve", data={"ids": [str(i) for i in ids]}))
    done = statuses(app, ids)
    assert 0 < done["approved"] < 300 and done["approved"] + done["pending"] == 300
    assert f"{done['approved']} of 300 records approved." in html
    assert f"Stopped before the end: the time for one request ran out. {done['pending']} records are still pending" in html
    with app.test_request_context():
        rest = hours.approve_many(ids, load_user(admin.id), budget_seconds=60)
    assert len(rest.approved) == done["pending"] and len(rest.refused) == done["approved"]
    with app.app_context():
        assert verify_ledger() == []


def test_a_chunk_refused_midway_leaves_earlier_chunks_approved_and_names_the_bad_record(app):
    admin, lead = make_user(app, "admin"), make_user(app, "team_lead")
    ids = many_pending(app, lead, people=10, activities=30)
    bad = ids[150]  # in a later chunk: its ledger key is already taken by another entry
    with app.app_context():
        volunteer = db.session.get(HourRecord, bad).volunteer_id
        run_write(lambda: ledger.issue_to_user(
            user_id=volunteer, amount=1, kind="adjustment", key=f"hours:{bad}",
            body_hash=ledger.request_hash({"other": 1}), actor_id=None, memo="stray", source_type="test",
            source_id=1))
    with app.test_request_context():
        outcome = hours.approve_many(ids, load_user(admin.id))
    assert set(outcome.refused) == {bad} and outcome.refused[bad]  # named, with why (its key is taken)
    assert sorted(outcome.approved) == sorted(set(ids) - {bad}) and outcome.stopped is None
    assert statuses(app, ids) == {"approved": 299, "pending": 1}
    assert approved_events(app) == 299
    with app.app_context():
        assert verify_ledger() == []


def test_ones_own_records_are_skipped_and_named_the_others_approved(app, client):
    c = crew(app)
    admin_member = make_user(app, "admin")
    team = make_team(app, leads=[c.lead], members=[admin_member])
    activity = make_activity(app, team, c.lead)
    own = log(app, activity, admin_member, 60, c.lead)
    other = log(app, c.activity_id, c.a, 60, c.lead)
    sign_in(client, admin_member)
    html = page_text(client, client.post("/approvals/approve", data={"ids": [str(own), str(other)]}))
    assert "1 of 2 records approved." in html
    assert "Nobody may approve their own hours" in html and str(own) in html
    assert statuses(app, [own]) == {"pending": 1} and statuses(app, [other]) == {"approved": 1}


@pytest.mark.parametrize("raw", ["²", "１２", "-1", "1e3", "99999999999999"])
def test_odd_ids_in_the_form_never_answer_a_server_error(app, client, raw):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    sign_in(client, c.admin)
    response = client.post("/approvals/approve", data={"ids": [raw, str(rid)]})
    assert response.status_code == 422  # refused whole, with a message: a selection is never guessed at
    assert "record number was not valid" in response.get_data(as_text=True)
    assert statuses(app, [rid]) == {"pending": 1}


def test_only_admins_bulk_approve(app, client):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    sign_in(client, c.lead)
    assert client.post("/approvals/approve", data={"ids": [str(rid)]}).status_code == 403
    assert statuses(app, [rid]) == {"pending": 1}


# One chunk, whatever its size: the plan (one read); BEGIN IMMEDIATE (SQLite); the flip; the summaries'
# two reads (activities, people) and four upserts (presence, hours, last days); the notifications; the
# accounts' lock (PostgreSQL) and update; the transfers; the lots; the ledger summary and points earned;
# the links; the policy (expiry of the lots, once per request); the audit head, the events and the head's
# hash. The ledger's batch hooks ask nothing more.
MAX_STATEMENTS_PER_CHUNK = 20


def chunk_statements(app, records: int) -> list[str]:
    admin, lead = make_user(app, "admin"), make_user(app, "team_lead")
    ids = many_pending(app, lead, people=records // 5, activities=5)
    with app.app_context():  # the volunteers have accounts already (opening them is 3 statements more, once)
        people = db.session.scalars(sa.select(HourRecord.volunteer_id).where(HourRecord.id.in_(ids))).all()
        run_write(lambda: ledger.user_account_ids(people), audited=False)
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split())[:100])

    with app.test_request_context():
        actor = load_user(admin.id)
        actor.has_role("admin")  # loaded before counting
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            outcome = hours.approve_many(ids, actor, budget_seconds=600)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        assert outcome.approved == ids and outcome.chunks == 1 and verify_ledger() == []
    # SQLite returns the new transfers' ids in order only one row per INSERT; PostgreSQL sends one statement.
    transfers = [s for s in statements if s.startswith("INSERT INTO transfers")]
    assert 1 <= len(transfers) <= records
    return [s for s in statements if not s.startswith("INSERT INTO transfers")] + transfers[:1]


def test_a_chunk_takes_a_bounded_number_of_statements_whatever_its_size(app):
    small, large = chunk_statements(app, 10), chunk_statements(app, 60)
    assert len(small) <= MAX_STATEMENTS_PER_CHUNK, "\n".join(small)
    assert len(large) == len(small), "\n".join(large)
    assert not any(s.startswith("SELECT accounts.id, accounts.kind") for s in large)  # kinds come from the update
