"""Sign-in throttling is exact across concurrent attempts, each with its own connection."""

import threading

import pytest
import sqlalchemy as sa

import core.db
from accounts.signin import authenticate
from accounts.throttle_models import SignInCounter
from app import create_app
from audit.models import AuditEvent
from core.errors import InvalidCredentials, RateLimited
from extensions import db
from tests.factories import make_user


@pytest.fixture
def no_audit_head_lock(monkeypatch):
    """Run writes without the audit head lock taken first, as the lean write path will."""
    monkeypatch.setattr(core.db, "_begin_hooks", [], raising=False)


def attempt_all(database_url, attempts: list[tuple[str, str, str]], **config) -> list[str]:
    """Run every (username, password, address) at the same moment on its own connection; their outcomes."""
    workers = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url, **config,
                          "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": len(attempts), "max_overflow": 0}
                          if database_url.startswith("postgresql") else {}})
    start, lock, outcomes = threading.Barrier(len(attempts)), threading.Lock(), []

    def one(username: str, password: str, address: str) -> None:
        with workers.test_request_context(environ_base={"REMOTE_ADDR": address}):
            start.wait()
            try:
                authenticate(username, password, address)
                result = "signed_in"
            except (InvalidCredentials, RateLimited) as refused:
                result = refused.code
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=one, args=a) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with workers.app_context():
        db.engine.dispose()
    assert len(outcomes) == len(attempts), "a worker died"
    return outcomes


def failures_audited(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "auth.sign_in_failed"))


@pytest.mark.slow
def test_twenty_simultaneous_wrong_passwords_for_one_username_count_exactly_ten(app, database_url,
                                                                               no_audit_head_lock):
    user = make_user(app)
    outcomes = attempt_all(database_url, [(user.username, "wrong-password", f"10.0.0.{n}") for n in range(20)])
    assert outcomes.count("invalid_credentials") == 10
    assert outcomes.count("rate_limited") == 10
    assert failures_audited(app) == 10
    with app.app_context():
        assert db.session.scalar(sa.select(SignInCounter.failures).where(
            SignInCounter.scope == "username", SignInCounter.key == user.username)) == 10
    with app.test_request_context(), pytest.raises(RateLimited):
        authenticate(user.username, user.password, "10.9.9.9")  # the right password is refused too


@pytest.mark.slow
def test_simultaneous_failures_from_one_address_stop_exactly_at_its_limit(app, database_url, no_audit_head_lock):
    outcomes = attempt_all(database_url, [(f"guess{n}", "wrong-password", "10.7.7.7") for n in range(24)],
                           LOGIN_MAX_FAILURES_PER_ADDRESS=15)
    assert outcomes.count("invalid_credentials") == 15
    assert outcomes.count("rate_limited") == 9
    assert failures_audited(app) == 15


@pytest.mark.slow
def test_successful_sign_ins_at_the_same_time_count_nothing(app, database_url, no_audit_head_lock):
    user = make_user(app)
    outcomes = attempt_all(database_url, [(user.username, user.password, "10.0.0.1") for _ in range(12)])
    assert outcomes == ["signed_in"] * 12
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInCounter)) == 0


def test_a_failure_after_the_window_passed_opens_a_new_window_counting_one(app):
    from datetime import timedelta

    from core.timeutil import utcnow

    user = make_user(app)
    with app.app_context():
        db.session.add(SignInCounter(scope="username", key=user.username,
                                     window_start=utcnow() - timedelta(minutes=16), failures=10))
        db.session.commit()
    with app.test_request_context(), pytest.raises(InvalidCredentials):
        authenticate(user.username, "wrong-password", "10.0.0.1")
    with app.app_context():
        row = db.session.get(SignInCounter, ("username", user.username))
        assert row.failures == 1
    with app.test_request_context():
        authenticate(user.username, user.password, "10.0.0.1")  # nine failures left: not throttled
