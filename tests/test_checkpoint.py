"""`checkpoint PATH` and `verify --checkpoint PATH`: the audit chain anchored outside its database."""

import json

import pytest
import sqlalchemy as sa

from audit import service as audit
from audit.models import AuditEvent, AuditHead
from core.db import run_write
from extensions import db
from tests.conftest import db_kind
from tests.factories import make_user
from tests.test_cli import invoke

KEY = "k" * 40
OTHER_KEY = "z" * 40


@pytest.fixture
def signing_key(monkeypatch):
    monkeypatch.setenv("AUDIT_SIGNING_KEY", KEY)


def add_events(app, count: int, actor_id: int | None = None) -> None:
    """Append events through the application, as any use case would."""
    with app.app_context():
        def work():
            for n in range(count):
                audit.record("hours.logged", actor=actor_id, subject_type="hour_records", subject_id=n + 1,
                             after={"minutes": 60 + n})
        run_write(work)
        db.session.remove()


def rewrite_consistently(app, event_id: int) -> None:
    """An intruder with the database: triggers off, one event changed, every later hash and the head redone."""
    with app.app_context():
        if db_kind(app) == "sqlite":
            db.session.execute(sa.text("DROP TRIGGER audit_events_no_update"))
        else:
            db.session.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        db.session.execute(sa.text("UPDATE audit_events SET after = :after WHERE id = :id"),
                           {"after": '{"minutes":600}', "id": event_id})
        events = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        prev = events[0].prev_hash
        for event in events:
            new_hash = audit.event_hash(prev, event)
            db.session.execute(sa.text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE id = :id"),
                               {"p": prev, "h": new_hash, "id": event.id})
            prev = new_hash
        db.session.execute(sa.update(AuditHead).where(AuditHead.id == 1).values(last_hash=prev))
        db.session.commit()
        db.session.remove()


def test_checkpoint_writes_a_signed_head_of_the_chain(app, tmp_path, signing_key):
    add_events(app, 3)
    path = tmp_path / "cp.json"
    result = invoke(app, "checkpoint", str(path))
    assert result.exit_code == 0, result.output
    body = json.loads(path.read_text())
    with app.app_context():
        head = db.session.get(AuditHead, 1)
        assert (body["last_id"], body["last_hash"]) == (head.last_id, head.last_hash)
        assert body["event_count"] == db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()
    assert body["signature"].startswith("hmac-sha256:") and body["taken_at"]
    assert "keep it off this server" in result.output


def test_checkpoint_refuses_without_a_key_and_writes_nothing(app, tmp_path, monkeypatch):
    monkeypatch.delenv("AUDIT_SIGNING_KEY", raising=False)
    path = tmp_path / "cp.json"
    result = invoke(app, "checkpoint", str(path))
    assert result.exit_code == 1
    assert "AUDIT_SIGNING_KEY is not set" in result.output
    assert not path.exists()


def test_checkpoint_refuses_a_short_key(app, tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIT_SIGNING_KEY", "short")
    result = invoke(app, "checkpoint", str(tmp_path / "cp.json"))
    assert result.exit_code == 1
    assert "at least 32 bytes" in result.output


def test_checkpoint_never_overwrites_without_force(app, tmp_path, signing_key):
    path = tmp_path / "cp.json"
    path.write_text("yesterday's checkpoint")
    result = invoke(app, "checkpoint", str(path))
    assert result.exit_code == 1
    assert "--force" in result.output
    assert path.read_text() == "yesterday's checkpoint"
    assert invoke(app, "checkpoint", "--force", str(path)).exit_code == 0
    assert json.loads(path.read_text())["format"] == "jifen-audit-checkpoint/1"


def test_verify_passes_while_the_chain_extends_the_checkpoint(app, tmp_path, signing_key):
    add_events(app, 2)
    path = tmp_path / "cp.json"
    invoke(app, "checkpoint", str(path))
    add_events(app, 3)  # the chain grows after the checkpoint: still extends it
    result = invoke(app, "verify", "--checkpoint", str(path))
    assert result.exit_code == 0, result.output
    assert "OK checkpoint: the chain extends the checkpoint" in result.output


def test_a_consistent_rewrite_passes_plain_verify_but_fails_against_the_checkpoint(app, tmp_path, signing_key):
    keeper = make_user(app, "store_keeper")
    add_events(app, 4, keeper.id)
    path = tmp_path / "cp.json"
    assert invoke(app, "checkpoint", str(path)).exit_code == 0
    add_events(app, 2, keeper.id)
    with app.app_context():
        first_of_mine = db.session.execute(
            sa.select(sa.func.min(AuditEvent.id)).where(AuditEvent.action == "hours.logged")).scalar_one()
    rewrite_consistently(app, first_of_mine)

    plain = invoke(app, "verify")
    assert plain.exit_code == 0, plain.output  # the rewrite is invisible to the chain alone
    anchored = invoke(app, "verify", "--checkpoint", str(path))
    assert anchored.exit_code == 1
    assert "no longer has the hash of the checkpoint" in anchored.output
    assert "rewritten" in anchored.output


def test_verify_reports_a_chain_shorter_than_the_checkpoint(app, tmp_path, signing_key):
    add_events(app, 3)
    path = tmp_path / "cp.json"
    invoke(app, "checkpoint", str(path))
    body = json.loads(path.read_text())
    # A checkpoint from a longer chain (forged here by re-signing with the right key): events were cut.
    from commands.checkpoint import sign

    body.update(event_count=body["event_count"] + 5, last_id=body["last_id"] + 5)
    body["signature"] = "hmac-sha256:" + sign(body, KEY.encode())
    path.write_text(json.dumps(body))
    result = invoke(app, "verify", "--checkpoint", str(path))
    assert result.exit_code == 1
    assert "fewer than the" in result.output


def test_verify_with_a_wrong_key_or_an_altered_file_fails_with_a_clear_message(app, tmp_path, signing_key,
                                                                              monkeypatch):
    add_events(app, 2)
    path = tmp_path / "cp.json"
    invoke(app, "checkpoint", str(path))
    monkeypatch.setenv("AUDIT_SIGNING_KEY", OTHER_KEY)
    wrong_key = invoke(app, "verify", "--checkpoint", str(path))
    assert wrong_key.exit_code == 1
    assert "signature does not match" in wrong_key.output

    monkeypatch.setenv("AUDIT_SIGNING_KEY", KEY)
    body = json.loads(path.read_text())
    body["last_hash"] = "0" * 64  # edited to match a rewritten chain, without the key
    path.write_text(json.dumps(body))
    altered = invoke(app, "verify", "--checkpoint", str(path))
    assert altered.exit_code == 1
    assert "signature does not match" in altered.output


@pytest.mark.parametrize("content", ["not json", "[]", '{"format": "other"}',
                                     '{"format": "jifen-audit-checkpoint/1", "event_count": "3"}'])
def test_verify_refuses_a_file_that_is_not_a_checkpoint(app, tmp_path, signing_key, content):
    path = tmp_path / "cp.json"
    path.write_text(content)
    result = invoke(app, "verify", "--checkpoint", str(path))
    assert result.exit_code == 1
    assert "Verification FAILED: checkpoint:" in result.output


def test_verify_with_a_missing_checkpoint_or_no_key_fails(app, tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIT_SIGNING_KEY", KEY)
    missing = invoke(app, "verify", "--checkpoint", str(tmp_path / "nowhere.json"))
    assert missing.exit_code == 1 and "cannot read the checkpoint" in missing.output
    path = tmp_path / "cp.json"
    invoke(app, "checkpoint", str(path))
    monkeypatch.delenv("AUDIT_SIGNING_KEY")
    no_key = invoke(app, "verify", "--checkpoint", str(path))
    assert no_key.exit_code == 1 and "AUDIT_SIGNING_KEY is not set" in no_key.output
