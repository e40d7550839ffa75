"""Bulk approval of N pending hour records in one call, on a fresh file SQLite or a PostgreSQL URL.

    PYTHONPATH=. .venv/bin/python bench/bulk_approval.py [--people 100] [--activities 100] [--url URL]

Prints the wall and CPU time, the number of chunks and the longest chunk (how long a counter
redemption could wait behind one), then checks the ledger and the day-minutes guard still verify.
CPU time is the figure to compare on a shared machine; wall time depends on the load.
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("JIFEN_FAST_PASSWORD_HASHES", "1")

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from points import hours  # noqa: E402
from points.ledger_verify import verify_ledger  # noqa: E402
from tests.factories import make_user  # noqa: E402
from tests.factories_hours import many_pending  # noqa: E402
from tests.factories_points import load_user  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--activities", type=int, default=100)
    parser.add_argument("--url", default=None, help="a database URL (default: a new file SQLite)")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='ledger-hours_')}/bulk.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
    admin, lead = make_user(app, "admin"), make_user(app, "team_lead")
    ids = many_pending(app, lead, args.people, args.activities)
    with app.test_request_context():
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = hours.approve_many(ids, load_user(admin.id), budget_seconds=3600)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{len(outcome.approved)} of {outcome.wanted} approved: {wall:.2f} s wall, {cpu:.2f} s CPU, "
              f"{outcome.chunks} chunks, longest chunk {outcome.longest_chunk_seconds * 1000:.0f} ms")
        print("verify ledger:", verify_ledger() or "ok", "| day minutes:", hours.verify_day_minutes() or "ok")
        print("load average:", os.getloadavg())


if __name__ == "__main__":
    main()
