"""The gunicorn settings every server gets from ./gunicorn.conf.py: each worker freezes what the app built
at start-up out of the cyclic collector (core.workers), so no request pays a full collection over it."""

import gc
import logging
from types import SimpleNamespace

from core.workers import post_worker_init
from tests.load_helpers import GunicornServer


def test_a_worker_freezes_its_start_up_objects(app):
    already = gc.get_freeze_count()
    worker = SimpleNamespace(log=logging.getLogger("test-worker"))
    try:
        post_worker_init(worker)
        assert gc.get_freeze_count() > already
    finally:
        gc.unfreeze()  # the test process goes on making and dropping apps


def test_gunicorn_started_in_the_project_folder_runs_the_hook_in_every_worker(database_url, tmp_path):
    server = GunicornServer(database_url, tmp_path, workers=2).start()
    try:
        server.wait_until(lambda: server.tail().count("start-up objects frozen") >= 2, 30,
                          "both workers to report their frozen start-up objects")
    finally:
        server.stop()
    frozen = [line for line in server.tail(200).splitlines() if "start-up objects frozen" in line]
    assert len(frozen) == 2
    assert all(int(line.split("jifen: ")[1].split()[0]) > 100_000 for line in frozen)
