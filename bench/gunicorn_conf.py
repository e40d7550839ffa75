"""gunicorn settings for the benchmark only (`--config bench/gunicorn_conf.py`).

With JIFEN_MEASURE_SERIAL=1 each worker writes, as it exits, the hold times (ms) of the serialised
section of its writes (core.db.serial_hold_times, from the audit head lock to the end of COMMIT) as
one JSON line to the file named by BENCH_SERIAL_LOG. Nothing is read or written otherwise. The
hooks every server has (./gunicorn.conf.py) come first, so the benchmark measures what is deployed.
"""

import json
import os

from core.workers import post_worker_init  # noqa: F401 - the same hooks as ./gunicorn.conf.py


def worker_exit(server, worker):
    if os.environ.get("JIFEN_MEASURE_SERIAL") != "1" or not os.environ.get("BENCH_SERIAL_LOG"):
        return
    try:
        from core import db as core_db
    except ImportError:
        return
    times = list(getattr(core_db, "serial_hold_times", []) or [])
    with open(os.environ["BENCH_SERIAL_LOG"], "a", encoding="utf-8") as out:
        out.write(json.dumps({"pid": worker.pid, "hold_ms": times}) + "\n")
