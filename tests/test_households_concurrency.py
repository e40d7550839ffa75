"""Many simultaneous gifts from one account: exactly as many succeed as the balance allows."""

import threading
from collections import Counter

import pytest

from app import create_app
from extensions import db
from points.ledger_verify import verify_ledger
from tests.factories import bearer, make_user
from tests.factories_households import make_household
from tests.factories_points import balance
from tests.factories_store import give_points

THREADS = 16
GIFT = 10
START = 75  # room for 7 gifts, not 8


@pytest.mark.slow
def test_concurrent_gifts_from_one_account_never_overdraw(app, database_url):
    giver, son, daughter = make_user(app), make_user(app), make_user(app)
    make_household(app, "并发之家", giver.id, son.id, daughter.id)
    give_points(app, giver.id, START)
    headers = bearer(app, giver)
    # Its own engine and pool; each request in each thread gets its own session and connection.
    workers_app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url,
                              "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": THREADS, "max_overflow": 0}
                              if database_url.startswith("postgresql") else {}})
    start = threading.Barrier(THREADS)
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def gift(n: int) -> None:
        client = workers_app.test_client()
        to = son if n % 2 else daughter
        start.wait()
        # Threads 0 and 1 are twins sharing a key: that gift is made once whoever wins.
        key = "twin" if n < 2 else f"gift-{n}"
        response = client.post("/api/v1/gifts", json={"to_user_id": son.id if n < 2 else to.id, "points": GIFT},
                               headers={**headers, "Idempotency-Key": key})
        body = response.get_json()
        code = body.get("error", {}).get("code", "ok") if response.status_code != 201 else "ok"
        with lock:
            outcomes.append((response.status_code, code if n >= 2 else f"twin-{code}"))

    threads = [threading.Thread(target=gift, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with workers_app.app_context():
        db.session.remove()
        db.engine.dispose()

    counted = Counter(code for _status, code in outcomes)
    assert len(outcomes) == THREADS
    assert set(counted) <= {"ok", "insufficient_points", "twin-ok", "twin-insufficient_points"}
    made = (START - balance(app, giver)) // GIFT
    assert made == START // GIFT  # the balance allowed 7 and exactly 7 were made
    assert balance(app, giver) == START % GIFT
    assert balance(app, son) + balance(app, daughter) == made * GIFT
    twins_ok = counted["twin-ok"]
    assert counted["ok"] + min(twins_ok, 1) == made  # twins answer alike and post once
    with app.app_context():
        assert verify_ledger() == []


@pytest.mark.slow
def test_concurrent_households_for_one_person_place_them_once(app, database_url):
    admin, person = make_user(app, "admin"), make_user(app)
    others = [make_user(app) for _ in range(6)]
    headers = bearer(app, admin)
    workers_app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url})
    start = threading.Barrier(len(others))
    statuses: list[tuple[int, str]] = []
    lock = threading.Lock()

    def create(n: int) -> None:
        client = workers_app.test_client()
        start.wait()
        response = client.post("/api/v1/households", headers=headers,
                               json={"name": f"第{n}户", "member_ids": [others[n].id, person.id]})
        body = response.get_json()
        with lock:
            statuses.append((response.status_code, body.get("error", {}).get("code", "")))

    threads = [threading.Thread(target=create, args=(n,)) for n in range(len(others))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with workers_app.app_context():
        db.session.remove()
        db.engine.dispose()
    assert sorted(statuses) == [(201, "")] + [(409, "already_in_household")] * (len(others) - 1)
