"""The lean write path: the audit head taken last keeps the chain exact, retries drop queued
events, and a redemption through the API stays within a bounded number of SQL statements."""

import threading
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

import core.db
from audit import service as audit
from audit.models import AuditEvent, AuditHead
from core.db import run_write
from extensions import db
from points.ledger_models import TransferKind
from tests.conftest import db_kind
from tests.factories import bearer
from tests.factories_store import counter_setup

WRITERS, EVENTS_EACH = 6, 8


def test_concurrent_writers_with_the_head_taken_last_keep_the_chain_exact(app):
    """Each thread has its own session and connection; two events per write, all interleaving freely."""
    errors = []

    def writer(n: int) -> None:
        with app.app_context():
            try:
                for i in range(EVENTS_EACH):
                    run_write(lambda i=i: (
                        audit.record("test.first", subject_type="threads", subject_id=n, after={"i": i}),
                        audit.record("test.second", subject_type="threads", subject_id=n, after={"i": i}),
                    ))
            except Exception as error:  # reported below: a thread's failure must fail the test
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with app.app_context():
        report = audit.verify_chain()
        rows = db.session.execute(sa.select(AuditEvent.subject_id, AuditEvent.action, AuditEvent.after)
                                  .where(AuditEvent.subject_type == "threads").order_by(AuditEvent.id)).all()
        head = db.session.get(AuditHead, 1)
        last = db.session.execute(sa.select(sa.func.max(AuditEvent.id))).scalar()
    assert report.ok, report
    assert len(rows) == WRITERS * EVENTS_EACH * 2
    assert head.last_id == last
    # The two events of one write are adjacent: the batch is appended as one piece.
    for first, second in zip(rows[::2], rows[1::2], strict=True):
        assert (first.action, second.action) == ("test.first", "test.second")
        assert first.subject_id == second.subject_id and first.after == second.after


def test_a_retried_write_keeps_only_the_events_of_the_attempt_that_committed(app):
    attempts = []

    def work():
        attempts.append(1)
        audit.record("test.attempt", subject_type="tries", subject_id=len(attempts))
        if len(attempts) == 1:  # a real unique-key failure, as a twin request losing the race sees
            db.session.execute(sa.insert(TransferKind.__table__).values(code="redemption", name="again"))
        return len(attempts)

    with app.app_context():
        assert run_write(work) == 2
        rows = db.session.execute(sa.select(AuditEvent.subject_id).where(AuditEvent.action == "test.attempt")).all()
        assert [r.subject_id for r in rows] == [2]
        assert audit.verify_chain().ok


def test_a_refused_write_records_no_event_and_leaves_the_head_alone(app):
    with app.app_context():
        before = db.session.get(AuditHead, 1).last_id
        db.session.rollback()

        def work():
            audit.record("test.refused")
            db.session.execute(sa.insert(TransferKind.__table__).values(code="redemption", name="again"))

        with pytest.raises(IntegrityError):
            run_write(work)
        assert db.session.get(AuditHead, 1).last_id == before
        assert db.session.execute(sa.select(AuditEvent.id).where(AuditEvent.action == "test.refused")).first() is None


def test_serial_hold_times_are_measured_when_asked(app, monkeypatch):
    monkeypatch.setattr(core.db, "MEASURE_SERIAL", True)
    monkeypatch.setattr(core.db, "serial_hold_times", [])
    with app.app_context():
        run_write(lambda: audit.record("test.timed"))
        run_write(lambda: None)  # no event: no serial section
    assert len(core.db.serial_hold_times) == 1
    assert 0 <= core.db.serial_hold_times[0] < 5000


# The API redemption: 1 bearer token with user, roles and the remembered-answer lookup, 1 counter
# context (store, keeper, resident, account, policy and the basket's items); BEGIN (SQLite, twice:
# the reads' and the write's), stock, monthly usage, debit and credit (one update), transfer,
# redemption, lines, movements, remembered answer, audit head lock, events, head hash;
# + the report summary row and the resident's notification, same transaction; + the expiry lots the
# debit draws from (one multi-row insert of the draws, one update of the lots' remaining points).
# PostgreSQL (no BEGIN statements): the redemption, its lines and movements are one statement, the
# draws and their update of the lots one, the audit event and the head's hash one.
MAX_STATEMENTS_ONE_ITEM = 19
MAX_STATEMENTS_ONE_ITEM_PG = 13


def _budget(app) -> int:
    return MAX_STATEMENTS_ONE_ITEM_PG if db_kind(app) == "postgresql" else MAX_STATEMENTS_ONE_ITEM


def count_statements(app):
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0].upper() + " " + statement[:80])

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    return statements, lambda: sa.event.remove(engine, "before_cursor_execute", listener)


def test_an_api_redemption_takes_a_bounded_number_of_statements(app, client):
    s = counter_setup(app, points=100)
    headers = {**bearer(app, s.keeper), "Idempotency-Key": uuid4().hex}
    body = {"store_id": s.store.id, "resident_id": s.resident.id, "lines": [{"item_id": s.item_id, "quantity": 1}]}
    client.get("/healthz")  # warm up: connections open, no first-request work counted
    statements, stop = count_statements(app)
    try:
        response = client.post("/api/v1/redemptions", json=body, headers=headers)
    finally:
        stop()
    assert response.status_code == 201, response.get_json()
    assert len(statements) <= _budget(app), "\n".join(statements)
    # The remembered answer was written in the redemption's transaction: the replay is the same bytes.
    again = client.post("/api/v1/redemptions", json=body, headers=headers)
    assert again.status_code == 201 and again.data == response.data
    writes = [s for s in statements if s.split()[0] in ("INSERT", "UPDATE")]
    assert sum(1 for s in writes if "idempotent_responses" in s) == 1
    assert sum(1 for s in statements if s.startswith("COMMIT")) <= 1


def test_a_redemption_with_three_items_adds_one_statement_per_extra_item(app, client):
    s = counter_setup(app, points=100)
    from tests.factories_store import make_item

    more = [make_item(app, s.store.id, price=1, stock=5) for _ in range(2)]
    headers = {**bearer(app, s.keeper), "Idempotency-Key": uuid4().hex}
    body = {"store_id": s.store.id, "resident_id": s.resident.id,
            "lines": [{"item_id": i, "quantity": 1} for i in (s.item_id, *more)]}
    client.get("/healthz")
    statements, stop = count_statements(app)
    try:
        response = client.post("/api/v1/redemptions", json=body, headers=headers)
    finally:
        stop()
    assert response.status_code == 201, response.get_json()
    assert len(statements) <= _budget(app) + 2, "\n".join(statements)
    assert len(response.get_json()["lines"]) == 3


def test_twin_requests_with_one_key_post_once_and_answer_the_same(app):
    """Two clients send the same Idempotency-Key and body at the same moment: one redemption, one answer."""
    s = counter_setup(app, points=100)
    headers = {**bearer(app, s.keeper), "Idempotency-Key": uuid4().hex}
    body = {"store_id": s.store.id, "resident_id": s.resident.id, "lines": [{"item_id": s.item_id, "quantity": 2}]}
    answers, start = [], threading.Barrier(2)

    def twin() -> None:
        client = app.test_client()
        start.wait()
        response = client.post("/api/v1/redemptions", json=body, headers=headers)
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=twin) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _ in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]
    with app.app_context():
        from points import ledger
        from redemption.models import Redemption

        assert db.session.execute(sa.select(sa.func.count(Redemption.id))).scalar() == 1
        assert ledger.user_balance(s.resident.id) == 100 - 20
        assert audit.verify_chain().ok


def test_a_card_lookup_is_one_statement_after_the_token(app, client):
    s = counter_setup(app, points=70)
    with app.app_context():
        from accounts.models import User

        card = db.session.get(User, s.resident.id).card_code
    headers = bearer(app, s.keeper)
    client.get("/healthz")
    statements, stop = count_statements(app)
    try:
        response = client.get(f"/api/v1/residents/by-card/{card}", headers=headers)
    finally:
        stop()
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"id": s.resident.id, "name": s.resident.name, "balance": 70}
    assert len([x for x in statements if not x.startswith("BEGIN")]) == 2, "\n".join(statements)


def test_a_card_lookup_refuses_unknown_malformed_and_inactive_cards(app, client):
    s = counter_setup(app, points=0)
    headers = bearer(app, s.keeper)
    with app.app_context():
        from accounts.models import User

        resident = db.session.get(User, s.resident.id)
        card = resident.card_code
    ok = client.get(f"/api/v1/residents/by-card/{card}", headers=headers)
    assert ok.status_code == 200 and ok.get_json()["balance"] == 0  # no account yet: balance 0
    assert client.get("/api/v1/residents/by-card/not-a-card", headers=headers).get_json()["error"]["code"] \
        == "invalid_card"
    with app.app_context():
        db.session.get(User, s.resident.id).active = False
        db.session.commit()
    gone = client.get(f"/api/v1/residents/by-card/{card}", headers=headers)
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "invalid_card"
