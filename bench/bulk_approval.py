"""Bulk approval of N pending hour records in one call, on a fresh file SQLite or a PostgreSQL URL.

    PYTHONPATH=. .venv/bin/python bench/bulk_approval.py [--people 100] [--activities 100] [--url URL] [--counter]

Prints the wall and CPU time, the number of chunks and the longest chunk (how long a counter
redemption could wait behind one), then checks the ledger and the day-minutes guard still verify.
CPU time is the figure to compare on a shared machine; wall time depends on the load.

--counter: a counter keeps redeeming meanwhile, in another process (its own app and connection,
one redemption of one item at a time through redemption.services.redeem, fresh idempotency keys),
and its latencies while the bulk approval runs are reported (p50/p99, count, errors). `make bench`
(bench/scenarios.py bulk_approval) measures the same over HTTP with 4 connections.
"""

import argparse
import multiprocessing
import os
import tempfile
import time
import uuid

os.environ.setdefault("JIFEN_FAST_PASSWORD_HASHES", "1")

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from points import hours  # noqa: E402
from points.ledger_verify import verify_ledger  # noqa: E402
from tests.factories import make_user  # noqa: E402
from tests.factories_hours import many_pending  # noqa: E402
from tests.factories_points import load_user  # noqa: E402

WARM_UP = 20  # redemptions before the measured ones (compiled statements, caches)


def _app(url: str):
    return create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})


def _counter(url: str, setup: dict, ready, stop, answers) -> None:
    """Redeem one item at a time until stop is set; put (latencies in ms, errors) on answers."""
    from redemption import services

    app, latencies, errors = _app(url), [], {}
    with app.test_request_context():
        keeper = load_user(setup["keeper"])

        def redeem_one() -> None:
            try:
                services.redeem(services.RedeemRequest(setup["store"], setup["resident"],
                                                       (services.Line(setup["item"], 1),),
                                                       key=f"bench-counter:{uuid.uuid4().hex}"), keeper)
            except Exception as error:  # noqa: BLE001 - counted and reported, the counter goes on
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1

        for _ in range(WARM_UP):
            redeem_one()
        errors.clear()
        ready.set()
        while not stop.is_set():
            began = time.perf_counter()
            redeem_one()
            latencies.append((time.perf_counter() - began) * 1000)
    answers.put((latencies, errors))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def _start_counter(app, url: str):
    from tests.factories_store import counter_setup

    s = counter_setup(app, points=10_000_000, price=1, stock=10_000_000)
    setup = {"keeper": s.keeper.id, "store": s.store.id, "resident": s.resident.id, "item": s.item_id}
    context = multiprocessing.get_context("spawn")
    ready, stop, answers = context.Event(), context.Event(), context.Queue()
    process = context.Process(target=_counter, args=(url, setup, ready, stop, answers), daemon=True)
    process.start()
    ready.wait(120)
    time.sleep(0.5)  # the counter is running, warmed up, before the bulk approval starts
    return process, stop, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--activities", type=int, default=100)
    parser.add_argument("--url", default=None, help="a database URL (default: a new file SQLite)")
    parser.add_argument("--counter", action="store_true", help="a counter keeps redeeming meanwhile")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='ledger-hours_')}/bulk.sqlite3"
    app = _app(url)
    with app.app_context():
        upgrade()
    admin, lead = make_user(app, "admin"), make_user(app, "team_lead")
    ids = many_pending(app, lead, args.people, args.activities)
    counter = _start_counter(app, url) if args.counter else None
    with app.test_request_context():
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = hours.approve_many(ids, load_user(admin.id), budget_seconds=3600)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{len(outcome.approved)} of {outcome.wanted} approved: {wall:.2f} s wall, {cpu:.2f} s CPU, "
              f"{outcome.chunks} chunks, longest chunk {outcome.longest_chunk_seconds * 1000:.0f} ms")
        if counter is not None:
            process, stop, answers = counter
            stop.set()
            latencies, errors = answers.get(timeout=60)
            process.join(30)
            print(f"counter meanwhile: {len(latencies)} redemptions ({len(latencies) / wall:.0f}/s), "
                  f"p50 {_percentile(latencies, 0.5):.0f} ms, p99 {_percentile(latencies, 0.99):.0f} ms, "
                  f"max {max(latencies, default=float('nan')):.0f} ms, errors {errors or 'none'}")
        print("verify ledger:", verify_ledger() or "ok", "| day minutes:", hours.verify_day_minutes() or "ok")
        print("load average:", os.getloadavg())


if __name__ == "__main__":
    main()
