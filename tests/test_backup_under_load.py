"""`flask backup PATH` taken while the bank test's load runs (issue 11): the copy passes `verify`,
holds every redemption acknowledged before the backup began, and serves (an app started on the
copy answers /healthz and a balance). On a file SQLite and on PostgreSQL (pg_dump → pg_restore).
"""

import subprocess
import threading
import uuid

import psycopg
import pytest
import requests
import sqlalchemy as sa

from tests import load_helpers
from tests.bank_checks import check_world
from tests.bank_scenarios import run_load
from tests.bank_workload import build_world
from tests.conftest import PG_ADMIN_URL, _pg_url, db_kind
from tests.load_helpers import flask_cli

servers = load_helpers.servers
OPERATIONS, SECONDS, BACKUP_AFTER = 500, 150, 150


def restore(kind: str, backup_path, tmp_path):
    """A database made from the backup file; yields its URL."""
    if kind == "sqlite":
        copy = tmp_path / "restored.sqlite3"
        copy.write_bytes(backup_path.read_bytes())
        return f"sqlite:///{copy}", lambda: None
    name = f"proofs_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = _pg_url(name)
    restored = subprocess.run(["pg_restore", "--no-owner", f"--dbname={url.replace('+psycopg', '')}",
                               str(backup_path)], capture_output=True, text=True, timeout=300)
    assert restored.returncode == 0, restored.stderr

    def drop():
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return url, drop


def count_redemptions(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT COUNT(*) FROM redemptions")).scalar()
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_backup_taken_under_load_verifies_and_serves(app, database_url, tmp_path, servers):
    server = servers(database_url, tmp_path)
    world, model = build_world(app, [server.url])
    load = threading.Thread(target=run_load, args=(world, model),
                            kwargs={"target_ops": OPERATIONS, "seconds": SECONDS}, daemon=True)
    load.start()
    server.wait_until(lambda: model.acked >= BACKUP_AFTER, SECONDS, f"{BACKUP_AFTER} acknowledged operations")

    redeemed_before = len(model.redemptions)
    backup_path = tmp_path / "jifen.backup"
    backup = flask_cli(database_url, "backup", str(backup_path))
    redeemed_after = len(model.redemptions)
    load.join(timeout=SECONDS + 240)
    assert backup.returncode == 0, backup.stdout + backup.stderr
    assert not load.is_alive() and check_world(world, model, app) == []

    copy_url, drop = restore(db_kind(app), backup_path, tmp_path)
    copy_server = None
    try:
        in_copy = count_redemptions(copy_url)
        print(f"\n[backup] {db_kind(app)}: backup during load; {model.ops} operations, {model.acked} acknowledged; "
              f"the copy holds {in_copy} redemptions ({redeemed_before} acknowledged before it began, "
              f"{redeemed_after} when it ended, {len(model.redemptions)} in all)")
        assert redeemed_before <= in_copy
        checked = flask_cli(copy_url, "verify")
        assert checked.returncode == 0, checked.stdout + checked.stderr

        copy_server = servers(copy_url, tmp_path, second=True, workers=1)
        assert requests.get(f"{copy_server.url}/healthz", timeout=30).json() == {"status": "ok"}
        resident = world.resident_ids[0]
        answer = requests.get(f"{copy_server.url}/api/v1/accounts/{resident}", timeout=30,
                              headers={"Authorization": f"Bearer {world.admin.token}"})
        assert answer.status_code == 200, answer.text
        assert isinstance(answer.json()["balance"], int) and answer.json()["balance"] >= 0
    finally:
        if copy_server is not None:
            copy_server.stop()  # before its database is dropped
        drop()
