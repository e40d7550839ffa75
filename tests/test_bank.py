"""The bank test (issue 11): ≥ 1,000 mixed operations from 32 client threads through real gunicorn
servers (4 workers each), then the server's state must equal what was acknowledged, exactly.

On a file SQLite, on PostgreSQL, and with two app servers on one PostgreSQL. Figures of each run
are printed (`-s` shows them) and kept in docs/reliability.md.
"""

import pytest

from tests import load_helpers
from tests.bank_checks import check_world
from tests.bank_scenarios import concurrently, run_load
from tests.bank_workload import Op, build_world, key, send
from tests.conftest import db_kind
from tests.load_helpers import flask_cli

servers = load_helpers.servers
OPERATIONS, SECONDS = 1000, 240  # bounded in count and in time


def report(label: str, model, seconds: float) -> None:
    print(f"\n[bank] {label}: {model.ops} operations, {model.acked} acknowledged, {seconds:.1f} s "
          f"({model.ops / seconds:.0f}/s); answers {dict(model.statuses)}; "
          f"twin pairs answered differently: {len(model.twin_mismatches)}")


def run_bank(app, database_url, tmp_path, servers, n_servers: int) -> list[str]:
    """Run the load and return every disagreement found (the ledger, stock, verify); [] when all hold."""
    first = servers(database_url, tmp_path)
    urls = [first.url] + [servers(database_url, tmp_path, second=True).url for _ in range(n_servers - 1)]
    world, model = build_world(app, urls)

    seconds = run_load(world, model, target_ops=OPERATIONS, seconds=SECONDS)
    report(f"{db_kind(app)}, {n_servers} server(s)", model, seconds)

    problems = [] if model.ops >= OPERATIONS else [f"only {model.ops} operations within {SECONDS} s"]
    problems += check_world(world, model, app)
    verify = flask_cli(database_url, "verify")
    if verify.returncode != 0:
        problems.append("verify: " + verify.stdout + verify.stderr)
    return problems


@pytest.mark.slow
def test_bank_through_one_server_keeps_every_acknowledged_operation_exactly_once(app, database_url, tmp_path,
                                                                                servers):
    assert run_bank(app, database_url, tmp_path, servers, n_servers=1) == []


@pytest.mark.slow
def test_bank_through_two_servers_on_one_postgresql_keeps_every_operation_exactly_once(app, database_url,
                                                                                      tmp_path, servers):
    if db_kind(app) != "postgresql":  # the PostgreSQL half runs (and fails loudly) in CI, see conftest
        pytest.skip("two app servers share one PostgreSQL; SQLite is one file on one machine")
    assert run_bank(app, database_url, tmp_path, servers, n_servers=2) == []


@pytest.mark.slow
def test_twin_requests_with_one_key_get_the_same_answer_when_points_cover_one(app, database_url, tmp_path,
                                                                              servers):
    """A double click at the counter: both clicks carry one Idempotency-Key; the resident's points pay
    for one basket. API.md: the same key and body answer the first successful answer again — so both
    answers are that 201, never a 201 and a 409 insufficient_points. (Expected to fail until the
    write path re-checks the key when a conditional debit refuses.)"""
    server = servers(database_url, tmp_path)
    world, model = build_world(app, [server.url])
    pairs = []
    for racer in world.racer_ids:  # each holds 30 points; the race item costs 20
        op = Op(world.keepers[0], "POST", "/api/v1/redemptions",
                {"store_id": world.store_id, "resident_id": racer,
                 "lines": [{"item_id": world.race_item_id, "quantity": 1}]}, key())
        pairs.append(concurrently(lambda op=op: send(model, op), lambda op=op: send(model, op)))

    answers = [((a.status, a.code), (b.status, b.code)) for a, b in pairs]
    assert all(a.status == 201 or b.status == 201 for a, b in pairs), answers
    assert all((a.status, a.body) == (b.status, b.body) for a, b in pairs), answers
