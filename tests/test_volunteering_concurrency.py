"""Under real concurrency (threads, each with its own connection): sign-ups never exceed capacity,
certificate numbers stay consecutive and unique."""

import threading

import pytest
import sqlalchemy as sa

from app import create_app
from core.errors import ActivityFull
from core.timeutil import shanghai_today
from extensions import db
from tests.factories import make_user
from tests.factories_points import crew, load_user
from tests.factories_volunteering import make_open_activity
from volunteering import certificates, services
from volunteering.models import ActivityPlaces, Certificate, Signup

PEOPLE = 12
CAPACITY = 5


def workers_app(database_url):
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url,
                       "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": PEOPLE, "max_overflow": 0}
                       if database_url.startswith("postgresql") else {}})


def run_all(target, count: int) -> list:
    outcomes: list = []
    lock = threading.Lock()
    start = threading.Barrier(count)

    def one(n):
        start.wait()
        try:
            result = target(n)
        except Exception as error:  # noqa: BLE001  (the outcome is what the test counts)
            result = error
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.slow
def test_concurrent_sign_ups_never_exceed_capacity(app, database_url):
    c = crew(app)
    activity_id = make_open_activity(app, c.team_id, c.lead, capacity=CAPACITY)
    people = [make_user(app) for _ in range(PEOPLE)]
    other = workers_app(database_url)

    def sign(n):
        with other.test_request_context():
            try:
                return services.sign_up(activity_id, load_user(people[n].id)).id
            finally:
                db.session.remove()

    outcomes = run_all(sign, PEOPLE)
    with other.app_context():
        db.engine.dispose()
    assert len(outcomes) == PEOPLE
    assert sum(isinstance(o, int) for o in outcomes) == CAPACITY
    assert all(isinstance(o, (int, ActivityFull)) for o in outcomes), outcomes
    with app.app_context():
        count = db.session.execute(sa.select(sa.func.count(Signup.id)).where(Signup.activity_id == activity_id))
        assert count.scalar_one() == CAPACITY
        assert db.session.get(ActivityPlaces, activity_id).signed_up == CAPACITY


@pytest.mark.slow
def test_concurrent_certificates_get_consecutive_unique_numbers(app, database_url):
    people = [make_user(app) for _ in range(8)]
    other = workers_app(database_url)
    today = shanghai_today()

    def issue(n):
        with other.test_request_context():
            try:
                person = load_user(people[n].id)
                return certificates.issue_certificate(person.id, today, today, person).number
            finally:
                db.session.remove()

    outcomes = run_all(issue, len(people))
    with other.app_context():
        db.engine.dispose()
    assert all(isinstance(o, str) for o in outcomes), outcomes
    serials = sorted(int(n.rsplit("-", 1)[1]) for n in outcomes)
    assert serials == list(range(1, len(people) + 1))
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Certificate.id))).scalar_one() == len(people)
