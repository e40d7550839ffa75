"""Run one attempt in many real threads at the same instant, each with its own app, session and
database connection (no mocks): the shared shape of the concurrency tests."""

import threading

from app import create_app
from core.errors import DomainError
from extensions import db


def race(database_url: str, attempt, count: int) -> list:
    """attempt(n) for n in range(count), all released together; one outcome per thread: what attempt
    returned, a refusal's error code, or repr() of anything unexpected (so the assertion names it)."""
    workers_app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url,
                              "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": count, "max_overflow": 0}
                              if database_url.startswith("postgresql") else {}})
    start = threading.Barrier(count)
    outcomes: list = []
    lock = threading.Lock()

    def run(n: int) -> None:
        with workers_app.test_request_context():
            start.wait()
            try:
                result = attempt(n)
            except DomainError as refused:
                result = refused.code
            except Exception as error:  # noqa: BLE001  named by the caller's assertion
                result = repr(error)
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with workers_app.app_context():
        db.engine.dispose()
    return outcomes
