"""The fast `verify`: its raw-row hashes equal the application's, and it still catches every edit."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

import audit.chain_check
import points.ledger_verify
from audit.chain_check import _iso_at, _sqlite_batch_intact, fast_event_hash
from audit.models import GENESIS_HASH, AuditEvent
from audit.service import _default, event_hash, record
from core.db import run_write
from core.rawstream import stream_tuples
from extensions import db
from points.ledger import transfer_checksum
from points.ledger_models import Transfer
from points.ledger_verify import FAST_FIELDS, fast_checksum
from tests.conftest import db_kind
from tests.test_cli import disable_append_only, hand_edit, invoke, use_the_database

AWKWARD = {"名字": "王\"秀\\英\n\t\u2028", "nothing": None, "list": [1, "二", None], "emoji": "🎉",
           "control": "\x01\x1f", "day": "2025-01-02"}


def chain_rows() -> list[tuple]:
    table = AuditEvent.__table__
    stmt = sa.select(table.c.id, table.c.at, table.c.actor_id, table.c.address, table.c.action, table.c.subject_type,
                     table.c.subject_id, table.c.before, table.c.after, table.c.prev_hash,
                     table.c.hash).order_by(table.c.id)
    return [row for rows in stream_tuples(stmt) for row in rows]


def test_the_fast_hash_equals_event_hash_for_awkward_events(app):
    use_the_database(app)
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        run_write(lambda: record("test.awkward", actor=None, subject_type="用户", subject_id=None,
                                 before=AWKWARD, after={"空": ""}))
        run_write(lambda: record("test.nulls", actor=None, subject_type=None, subject_id=2**40))
        db.session.remove()
    with app.app_context():
        raw = chain_rows()
        events = {event.id: event for event in db.session.execute(sa.select(AuditEvent)).scalars()}
        prev = GENESIS_HASH
        for row in raw:
            expected = event_hash(prev, events[row[0]])
            assert fast_event_hash(prev, row) == expected == row[10], row
            prev = row[10]
        if db_kind(app) == "sqlite":  # the whole-batch check agrees too, so verify never falls back here
            assert _sqlite_batch_intact(raw, GENESIS_HASH, 1)
            assert not _sqlite_batch_intact(raw, "f" * 64, 1)  # a wrong start hash
            assert not _sqlite_batch_intact(raw[1:], raw[0][10], 1)  # a missing first event
        addresses = {row[3] for row in raw}
        db.session.remove()
    assert "203.0.113.9" in addresses and None in addresses
    assert len(raw) > 10


@pytest.mark.parametrize("moment", [
    datetime(2025, 1, 2, 3, 4, 5), datetime(2025, 1, 2, 3, 4, 5, 600), datetime(2025, 12, 31, 23, 59, 59, 999999),
    datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2025, 1, 2, 11, 4, 5, 7, tzinfo=timezone(timedelta(hours=8))),
])
def test_the_fast_timestamp_text_equals_the_canonical_one(moment):
    naive_utc = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    stored_by_sqlite = naive_utc.strftime("%Y-%m-%d %H:%M:%S.%f")  # how SQLAlchemy keeps it in SQLite

    assert _iso_at(moment) == _default(moment)
    assert _iso_at(stored_by_sqlite) == _default(moment)


def test_the_fast_checksum_equals_transfer_checksum(app):
    use_the_database(app)
    table = Transfer.__table__
    with app.app_context():
        stmt = sa.select(*[table.c[name] for name in FAST_FIELDS], table.c.checksum).order_by(table.c.id)
        raw = [row for rows in stream_tuples(stmt) for row in rows]
        transfers = {t.id: t for t in db.session.execute(sa.select(Transfer)).scalars()}
        kinds = {t.kind for t in transfers.values()}
        for row in raw:
            assert fast_checksum(row) == transfer_checksum(transfers[row[0]]) == row[-1]
        if db_kind(app) == "sqlite":
            assert points.ledger_verify._sqlite_batch_intact(raw, len(FAST_FIELDS))
            edited = [(*raw[0][:5], raw[0][5] + 1, *raw[0][6:]), *raw[1:]]  # one amount changed
            assert not points.ledger_verify._sqlite_batch_intact(edited, len(FAST_FIELDS))
        db.session.remove()
    assert {"hours_award", "reversal", "commendation", "adjustment"} <= kinds


def _problems(*statements: str) -> list[str]:
    """Every problem verify reports with statements applied, then rolled back."""
    from commands.verify import check_audit, check_ledger, check_store

    for statement in statements:
        db.session.connection().exec_driver_sql(statement)
    try:
        return [problem for section in (check_ledger(), check_store(), check_audit()) for problem in section.problems]
    finally:
        db.session.rollback()


def test_the_fast_verify_still_catches_every_kind_of_edit_on_a_city(app):
    result = invoke(app, "bench-data", "--residents", "150", "--activities", "40", "--hours", "300",
                    "--redemptions", "60")
    assert result.exit_code == 0, result.output
    with app.app_context():
        unlock = {table: disable_append_only(app, table) for table in ("transfers", "stock_movements", "audit_events")}
        unlock_delete = (["DROP TRIGGER audit_events_no_delete"] if db_kind(app) == "sqlite"
                         else unlock["audit_events"])
        last_event = db.session.execute(sa.select(sa.func.max(AuditEvent.id))).scalar_one()
        assert _problems() == []
        cases = {
            "transfer amount": (unlock["transfers"] + [
                "UPDATE transfers SET amount = amount + 1 WHERE id = (SELECT MAX(id) FROM transfers)"],
                ["checksum does not match", "ledger: account"]),
            "account sum": (["UPDATE accounts SET credits_posted = credits_posted + 5 "
                             "WHERE id = (SELECT MAX(id) FROM accounts WHERE kind = 'resident')"],
                            ["credits_posted is"]),
            "stock movement": (unlock["stock_movements"] + [
                "UPDATE stock_movements SET delta = delta + 1 "
                "WHERE id = (SELECT MIN(id) FROM stock_movements WHERE kind = 'opening')"],
                ["but its movements sum to"]),
            "item stock": (["UPDATE items SET stock = stock + 3 WHERE id = (SELECT MIN(id) FROM items)"],
                           ["but its movements sum to"]),
            "audit field": (unlock["audit_events"] + [
                f"UPDATE audit_events SET address = '10.0.0.1' WHERE id = {last_event // 2}"],
                [f"event {last_event // 2}: hash mismatch"]),
            "audit after": (unlock["audit_events"] + [
                "UPDATE audit_events SET after = replace(after, '\"rule_version\":1', '\"rule_version\":2') "
                "WHERE id = (SELECT MAX(id) FROM audit_events WHERE action = 'hours.approved')"],
                ["hash mismatch"]),
            "last event deleted": (unlock_delete + [f"DELETE FROM audit_events WHERE id = {last_event}"],
                                   ["events deleted at the end"]),
            "middle event deleted": (unlock_delete + [f"DELETE FROM audit_events WHERE id = {last_event // 3}"],
                                     [f"event {last_event // 3}: event missing"]),
        }
        if db_kind(app) == "sqlite":  # SQLite keeps any number in an INTEGER column: 7.5 is not 7
            cases["transfer amount made fractional"] = (unlock["transfers"] + [
                "UPDATE transfers SET amount = amount + 0.5 WHERE id = (SELECT MIN(id) FROM transfers)"],
                ["checksum does not match"])
            cases["audit subject made fractional"] = (unlock["audit_events"] + [
                f"UPDATE audit_events SET subject_id = subject_id + 0.5 WHERE id = "
                f"(SELECT MAX(id) FROM audit_events WHERE subject_id IS NOT NULL AND id < {last_event // 2})"],
                ["hash mismatch"])
        for name, (statements, expected) in cases.items():
            found = _problems(*statements)
            for text in expected:
                assert any(text in problem for problem in found), (name, found)
        assert _problems() == []  # every edit was rolled back
        db.session.remove()


def test_verify_exits_1_when_a_citys_stock_movement_is_edited_by_hand(app):
    assert invoke(app, "bench-data", "--residents", "50", "--activities", "10", "--hours", "60",
                  "--redemptions", "20").exit_code == 0
    hand_edit(app, *disable_append_only(app, "stock_movements"),
              "UPDATE stock_movements SET delta = delta + 2 WHERE id = (SELECT MIN(id) FROM stock_movements)")

    result = invoke(app, "verify")

    assert result.exit_code == 1
    assert "Verification FAILED: store: item" in result.output
    assert "All checks passed" not in result.output


def test_a_fast_path_that_disagrees_only_slows_verify_down(app, monkeypatch):
    from audit.service import verify_chain
    from points.ledger_verify import verify_ledger

    use_the_database(app)
    monkeypatch.setattr(audit.chain_check, "fast_event_hash", lambda prev_hash, row: "not a hash")
    monkeypatch.setattr(points.ledger_verify, "fast_checksum", lambda row: "not a checksum")
    monkeypatch.setattr(audit.chain_check, "_sqlite_batch_intact", lambda rows, prev_hash, expected_id: False)
    monkeypatch.setattr(points.ledger_verify, "_sqlite_batch_intact", lambda rows, checksum_at: False)
    with app.app_context():
        report = verify_chain()
        problems = verify_ledger()
        db.session.remove()

    assert report.ok and report.checked > 10
    assert problems == []
