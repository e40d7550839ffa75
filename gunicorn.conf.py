"""gunicorn settings that every Jifen server wants; gunicorn reads this file by itself when started in
the project's folder (`make run`, docs/deploy.md). Command-line options still win."""

from core.workers import post_worker_init  # noqa: F401 - a gunicorn hook, found by its name
