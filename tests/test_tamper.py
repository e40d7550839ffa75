"""Tampering behind the application's back: every edit is found by `flask verify` (exit 1, naming
what was changed), and a consistent rewrite of the audit chain is found by `verify --checkpoint`.

The database is put in use through the JSON API; the edits are raw SQL with the append-only
triggers out of the way, as an intruder with database access would do it.
"""

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from extensions import db
from tests.conftest import db_kind
from tests.factories import bearer, make_user
from tests.load_helpers import flask_cli

SIGNING_KEY = "proofs-checkpoint-signing-key-0123456789"


def call(client, headers, path, body=None, method="POST", status=201) -> dict:
    response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code == status, (path, response.get_json())
    return response.get_json()


def put_in_use(app) -> SimpleNamespace:
    """Hours approved, an adjustment, a store with stock in and out, a redemption and a voided one."""
    client = app.test_client()
    admin = bearer(app, make_user(app, "admin"))
    lead_user, keeper_user = make_user(app, "team_lead"), make_user(app, "store_keeper")
    lead, keeper = bearer(app, lead_user), bearer(app, keeper_user)
    resident = make_user(app)
    team = call(client, admin, "/api/v1/teams", {"name": "巡河队", "lead_ids": [lead_user.id]})
    call(client, admin, f"/api/v1/teams/{team['id']}/members", {"user_id": resident.id})
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    activity = call(client, lead, "/api/v1/activities",
                    {"team_id": team["id"], "title": "河道清理", "date": today, "difficulty": "hard"})
    record = call(client, lead, "/api/v1/hours", {"activity_id": activity["id"], "volunteer_id": resident.id,
                                                 "minutes": 240})
    call(client, admin, f"/api/v1/hours/{record['id']}/approve", status=200)
    call(client, admin, "/api/v1/adjustments", {"user_id": resident.id, "points": 20, "reason": "补发"})
    store = call(client, admin, "/api/v1/stores", {"name": "积分超市", "keeper_ids": [keeper_user.id]})
    item = call(client, admin, "/api/v1/items", {"store_id": store["id"], "name": "洗衣液", "price": 15, "stock": 10})
    call(client, keeper, f"/api/v1/items/{item['id']}/stock", {"delta": 5, "kind": "donation", "donor": "爱心商家"})
    basket = {"store_id": store["id"], "resident_id": resident.id, "lines": [{"item_id": item["id"], "quantity": 2}]}
    call(client, keeper, "/api/v1/redemptions", basket)
    mistaken = call(client, keeper, "/api/v1/redemptions", basket)
    call(client, keeper, f"/api/v1/redemptions/{mistaken['id']}/void", {"reason": "录错了"}, status=200)
    call(client, admin, "/api/v1/adjustments", {"user_id": resident.id, "points": -5, "reason": "补扣"})
    return SimpleNamespace(admin=admin, resident=resident, item_id=item["id"], client=client)


def scalar(app, sql: str):
    with app.app_context():
        value = db.session.execute(sa.text(sql)).scalar()
        db.session.remove()
        return value


def behind_the_back(app, *statements: str, unlock: tuple[str, ...] = ()) -> None:
    """Raw SQL in one transaction, with the append-only triggers of `unlock` tables out of the way."""
    with app.app_context():
        with db.engine.begin() as conn:
            for table in unlock:
                if db_kind(app) == "sqlite":
                    for (name,) in conn.exec_driver_sql(
                            f"SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '{table}'").all():
                        conn.exec_driver_sql(f"DROP TRIGGER {name}")
                else:
                    conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            for statement in statements:
                conn.exec_driver_sql(statement)
        db.engine.dispose()


def verify(app, *args: str):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["verify", *args])
        db.session.remove()
    return result


def test_an_untouched_database_in_use_verifies(app):
    put_in_use(app)
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "All checks passed" in result.output


def _transfer_amount(app, world):
    transfer = scalar(app, "SELECT MAX(id) FROM transfers")
    behind_the_back(app, f"UPDATE transfers SET amount = amount + 1 WHERE id = {transfer}", unlock=("transfers",))
    return f"transfer {transfer}"


def _account_balance(app, world):
    account = scalar(app, f"SELECT id FROM accounts WHERE user_id = {world.resident.id}")
    behind_the_back(app, f"UPDATE accounts SET credits_posted = credits_posted + 50 WHERE id = {account}")
    return f"account {account}"


def _stock_movement(app, world):
    behind_the_back(app, f"UPDATE stock_movements SET delta = delta + 1 WHERE id = "
                         f"(SELECT MIN(id) FROM stock_movements WHERE item_id = {world.item_id})",
                    unlock=("stock_movements",))
    return f"item {world.item_id}"


def _item_stock(app, world):
    behind_the_back(app, f"UPDATE items SET stock = stock + 3 WHERE id = {world.item_id}")
    return f"item {world.item_id}"


def _audit_event_field(app, world):
    event = scalar(app, "SELECT MIN(id) + 3 FROM audit_events")
    behind_the_back(app, f"UPDATE audit_events SET after = '{{\"points\":9999}}' WHERE id = {event}",
                    unlock=("audit_events",))
    return f"event {event}"


def _last_event_deleted(app, world):
    event = scalar(app, "SELECT MAX(id) FROM audit_events")
    behind_the_back(app, f"DELETE FROM audit_events WHERE id = {event}", unlock=("audit_events",))
    return f"event {event}"


def _middle_event_deleted(app, world):
    event = scalar(app, "SELECT MIN(id) + 2 FROM audit_events")
    behind_the_back(app, f"DELETE FROM audit_events WHERE id = {event}", unlock=("audit_events",))
    return f"event {event}"


@pytest.mark.parametrize("tamper", [_transfer_amount, _account_balance, _stock_movement, _item_stock,
                                    _audit_event_field, _last_event_deleted, _middle_event_deleted],
                         ids=lambda f: f.__name__.strip("_"))
def test_verify_reports_each_edit_made_behind_the_applications_back(app, tamper):
    world = put_in_use(app)
    named = tamper(app, world)

    first = verify(app)
    every = verify(app, "--all")

    assert first.exit_code == 1, first.output
    assert "Verification FAILED" in first.output and "All checks passed" not in first.output
    assert named in every.output, every.output
    # The API's own check of the chain agrees for the audit edits, and never answers 500.
    answer = world.client.get("/api/v1/audit/verify", headers=world.admin)
    assert answer.status_code == 200
    assert answer.get_json()["ok"] is ("event" not in named)


# ------------------------------------------------------------------ checkpoints (API.md, Operations)

def rewrite_chain_consistently(app, from_id: int) -> None:
    """Change one event's `after` and rehash it and every later event, then the head: a chain that is
    internally valid again, as an intruder who read STYLE.md's hash formula would leave it."""
    from audit.models import AuditEvent
    from audit.service import event_hash

    forged = '{"points":9999}'
    statements = []
    with app.app_context():
        events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.id >= from_id)
                                    .order_by(AuditEvent.id)).scalars().all()
        prev = events[0].prev_hash
        for n, event in enumerate(events):
            db.session.expunge(event)  # changed in memory only; the database is edited by raw SQL below
            if n == 0:
                event.after = forged
            event.prev_hash = prev
            new_hash = event_hash(prev, event)
            after = f"'{forged}'" if n == 0 else "after"
            statements.append(f"UPDATE audit_events SET after = {after}, prev_hash = '{prev}', "
                              f"hash = '{new_hash}' WHERE id = {event.id}")
            prev = new_hash
        db.session.remove()
    statements.append(f"UPDATE audit_head SET last_hash = '{prev}' WHERE id = 1")
    behind_the_back(app, *statements, unlock=("audit_events",))


def cli(app, *args: str, key: str = SIGNING_KEY):
    return flask_cli(app.config["SQLALCHEMY_DATABASE_URI"], *args, env={"AUDIT_SIGNING_KEY": key})


def test_checkpoint_then_verify_with_it_passes_while_the_chain_only_grows(app, tmp_path):
    """Expected to fail until the checkpoint branch lands (`checkpoint` and `verify --checkpoint`)."""
    world = put_in_use(app)
    path = tmp_path / "checkpoint.json"
    taken = cli(app, "checkpoint", str(path))
    assert taken.returncode == 0, taken.stdout + taken.stderr
    assert path.is_file() and path.stat().st_size > 0
    call(world.client, world.admin, "/api/v1/adjustments", {"user_id": world.resident.id, "points": 7,
                                                            "reason": "之后的事件"})

    checked = cli(app, "verify", "--checkpoint", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_consistent_rewrite_of_events_and_head_passes_plain_verify_but_fails_verify_with_a_checkpoint(
        app, tmp_path):
    """Expected to fail until the checkpoint branch lands (`checkpoint` and `verify --checkpoint`)."""
    put_in_use(app)
    path = tmp_path / "checkpoint.json"
    taken = cli(app, "checkpoint", str(path))
    assert taken.returncode == 0, taken.stdout + taken.stderr

    rewrite_chain_consistently(app, from_id=scalar(app, "SELECT MIN(id) + 2 FROM audit_events"))

    plain = verify(app)
    assert plain.exit_code == 0, plain.output  # the rewrite is consistent: the chain alone cannot tell
    anchored = cli(app, "verify", "--checkpoint", str(path))
    assert anchored.returncode == 1, anchored.stdout + anchored.stderr
    assert "checkpoint" in (anchored.stdout + anchored.stderr).lower()


def test_verify_refuses_a_checkpoint_edited_or_signed_with_another_key(app, tmp_path):
    """Expected to fail until the checkpoint branch lands (`checkpoint` and `verify --checkpoint`)."""
    put_in_use(app)
    path = tmp_path / "checkpoint.json"
    taken = cli(app, "checkpoint", str(path))
    assert taken.returncode == 0, taken.stdout + taken.stderr

    other_key = cli(app, "verify", "--checkpoint", str(path), key="another-key-entirely-0123456789abcdef")
    assert other_key.returncode == 1, other_key.stdout + other_key.stderr

    text = path.read_text()
    digit = next(n for n, ch in enumerate(text) if ch.isdigit())
    path.write_text(text[:digit] + str((int(text[digit]) + 1) % 10) + text[digit + 1:])
    edited = cli(app, "verify", "--checkpoint", str(path))
    assert edited.returncode == 1, edited.stdout + edited.stderr
