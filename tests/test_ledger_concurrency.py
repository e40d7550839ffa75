"""Many simultaneous debits against one resident: exactly as many succeed as the balance allows."""

import threading

import pytest

from app import create_app
from core.db import run_write
from core.errors import InsufficientPoints
from extensions import db
from points import ledger
from points.ledger_verify import verify_ledger
from tests.factories import make_user

ATTEMPTS = 24
PRICE = 10
START_BALANCE = 95  # room for 9 debits, not 10


@pytest.mark.slow
def test_concurrent_debits_never_overdraw_and_the_books_still_balance(app, database_url):
    resident = make_user(app)
    with app.app_context():
        run_write(lambda: ledger.issue_to_user(
            user_id=resident.id, amount=START_BALANCE, kind="adjustment", key="seed",
            body_hash=ledger.request_hash({"seed": 1}), actor_id=None, memo="seed",
            source_type="test", source_id=1))

    # A second app (its own engine and connection pool) shared by the threads, each with
    # its own app context and so its own session and connection: real concurrent writers.
    workers_app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url,
                              "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": ATTEMPTS, "max_overflow": 0}
                              if database_url.startswith("postgresql") else {}})
    start = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def debit(n: int) -> None:
        with workers_app.app_context():
            start.wait()
            try:
                run_write(lambda: ledger.take_from_user(
                    user_id=resident.id, amount=PRICE, kind="adjustment", key=f"debit-{n}",
                    body_hash=ledger.request_hash({"n": n}), actor_id=None, memo="test",
                    source_type="test", source_id=n))
                result = "ok"
            except InsufficientPoints:
                result = "refused"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=debit, args=(n,)) for n in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with workers_app.app_context():
        db.engine.dispose()

    assert len(outcomes) == ATTEMPTS, "a worker died"
    assert outcomes.count("ok") == START_BALANCE // PRICE
    assert outcomes.count("refused") == ATTEMPTS - START_BALANCE // PRICE
    with app.app_context():
        assert ledger.user_balance(resident.id) == START_BALANCE % PRICE
        assert verify_ledger() == []
