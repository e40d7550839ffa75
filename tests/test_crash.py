"""kill -9 of the whole server under load (issue 11): the gunicorn master and its four workers die
at once in the middle of the bank test's load. After a restart, every acknowledged operation is
there exactly once; requests that got no answer are retried with their own Idempotency-Key and
post at most once; `flask verify` passes. On a file SQLite and on PostgreSQL.
"""

import threading
import time

import pytest

from tests import load_helpers
from tests.bank_checks import check_world
from tests.bank_scenarios import run_load, settle_unknown
from tests.bank_workload import build_world
from tests.conftest import db_kind
from tests.load_helpers import flask_cli

servers = load_helpers.servers
OPERATIONS, SECONDS, KILL_AFTER = 700, 180, 250  # kill once 250 answers were acknowledged


@pytest.mark.slow
def test_kill_9_of_master_and_workers_under_load_loses_nothing_acknowledged(app, database_url, tmp_path,
                                                                           servers):
    server = servers(database_url, tmp_path)
    world, model = build_world(app, [server.url])
    stop = threading.Event()
    load = threading.Thread(target=run_load, args=(world, model),
                            kwargs={"target_ops": OPERATIONS, "seconds": SECONDS, "stop": stop}, daemon=True)
    started = time.monotonic()
    load.start()
    server.wait_until(lambda: model.acked >= KILL_AFTER, SECONDS, f"{KILL_AFTER} acknowledged operations")

    stop.set()  # no new scenario starts; those in flight lose their answers now
    server.kill9()
    acked_at_kill = model.acked
    load.join(timeout=240)
    assert not load.is_alive()
    unanswered = len(model.unknown)

    server.start()  # the same port, the same database: a restart after the crash
    settled = settle_unknown(model)
    print(f"\n[crash] {db_kind(app)}: SIGKILL after {acked_at_kill} acknowledged; {model.ops} operations, "
          f"{model.acked} acknowledged, {unanswered} unanswered at the kill, {settled} retried after the "
          f"restart, {time.monotonic() - started:.1f} s")

    assert check_world(world, model, app) == []
    verify = flask_cli(database_url, "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
