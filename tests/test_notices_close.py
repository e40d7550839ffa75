"""close-notices: unopposed nominations are granted once, the day after their notice's last day; races."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import create_app
from core.errors import AlreadyDecided
from core.timeutil import shanghai_today
from extensions import db
from notices import services
from notices.models import Nomination
from points.ledger_models import Transfer
from points.ledger_verify import verify_ledger
from tests.factories_notices import close, in_notice, nominate, notice_ends, object_to, people, status
from tests.factories_points import balance, load_user
from tests.test_cli import invoke


def _transfers(app, nomination_id: int) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(Transfer).where(
            Transfer.idempotency_key == f"nomination:{nomination_id}")).scalar()


def test_nothing_is_granted_on_the_notices_last_day(app):
    admin, other_admin, nominee, _bystander = people(app)
    nomination_id = in_notice(app, nominee, admin, by=other_admin)
    last_day = notice_ends(app, nomination_id)
    assert close(app, last_day - timedelta(days=1)) == []
    assert close(app, last_day) == []
    assert status(app, nomination_id) == "in_notice"
    assert balance(app, nominee) == 0


def test_the_day_after_grants_the_points_once(app):
    admin, other_admin, nominee, _bystander = people(app)
    nomination_id = in_notice(app, nominee, admin, by=other_admin)
    day_after = notice_ends(app, nomination_id) + timedelta(days=1)
    assert close(app, day_after) == [nomination_id]
    assert status(app, nomination_id) == "granted"
    assert balance(app, nominee) == 100
    assert close(app, day_after) == []
    assert close(app, day_after + timedelta(days=30)) == []
    assert balance(app, nominee) == 100
    assert _transfers(app, nomination_id) == 1
    with app.app_context():
        granted = db.session.get(Nomination, nomination_id)
        assert granted.commendation_id is not None
        assert verify_ledger() == []


def test_an_objected_nomination_is_not_granted(app):
    admin, other_admin, nominee, bystander = people(app)
    nomination_id = in_notice(app, nominee, admin, by=other_admin)
    object_to(app, nomination_id, bystander)
    assert close(app, notice_ends(app, nomination_id) + timedelta(days=5)) == []
    assert status(app, nomination_id) == "objected"
    assert balance(app, nominee) == 0


def test_a_dismissed_objection_is_granted_at_the_next_run(app):
    admin, other_admin, nominee, bystander = people(app)
    nomination_id = in_notice(app, nominee, admin, by=other_admin)
    object_to(app, nomination_id, bystander)
    with app.test_request_context():
        services.resolve(nomination_id, "dismiss", None, load_user(admin.id))
    assert close(app, notice_ends(app, nomination_id) + timedelta(days=1)) == [nomination_id]
    assert balance(app, nominee) == 100


def test_unreviewed_and_rejected_nominations_are_never_granted(app):
    admin, _other_admin, nominee, bystander = people(app)
    nominate(app, nominee, admin)
    assert close(app, shanghai_today() + timedelta(days=60)) == []
    assert balance(app, nominee) == 0 and balance(app, bystander) == 0


def test_the_command_grants_and_says_so_and_a_second_run_grants_nothing(app):
    admin, other_admin, nominee, _bystander = people(app)
    nomination_id = in_notice(app, nominee, admin, by=other_admin)
    day = (notice_ends(app, nomination_id) + timedelta(days=1)).isoformat()
    first = invoke(app, "close-notices", "--today", day)
    assert first.exit_code == 0 and "Granted 1" in first.output
    second = invoke(app, "close-notices", "--today", day)
    assert second.exit_code == 0 and "Granted 0" in second.output
    assert balance(app, nominee) == 100
    on_the_day = invoke(app, "close-notices")
    assert on_the_day.exit_code == 0
    bad = invoke(app, "close-notices", "--today", "2026-13-01")
    assert bad.exit_code != 0


def _racing_app(database_url, threads: int):
    return create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url,
                       "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": threads, "max_overflow": 0}
                       if database_url.startswith("postgresql") else {}})


def _race(workers_app, calls) -> list[str]:
    """Run calls at one moment, each in its own thread, app context, session and connection."""
    start, lock, outcomes = threading.Barrier(len(calls)), threading.Lock(), []

    def run(call) -> None:
        with workers_app.test_request_context():
            start.wait()
            try:
                call()
                result = "ok"
            except AlreadyDecided:
                result = "already_decided"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with workers_app.app_context():
        db.engine.dispose()
    return outcomes


@pytest.mark.slow
def test_two_admins_reviewing_at_once_one_wins(app, database_url):
    admin, other_admin, nominee, _bystander = people(app)
    nomination_id = nominate(app, nominee, admin)
    workers = _racing_app(database_url, 2)
    outcomes = _race(workers, [
        lambda: services.review(nomination_id, "approve", None, load_user(admin.id)),
        lambda: services.review(nomination_id, "reject", "不符合", load_user(other_admin.id)),
    ])
    assert sorted(outcomes) == ["already_decided", "ok"]
    assert status(app, nomination_id) in ("in_notice", "rejected")
    with app.app_context():
        from audit.models import AuditEvent

        reviews = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "nomination.reviewed", AuditEvent.subject_id == nomination_id)).scalar()
    assert reviews == 1


@pytest.mark.slow
def test_two_close_runs_at_once_grant_once(app, database_url):
    admin, other_admin, nominee, _bystander = people(app)
    nomination_id = in_notice(app, nominee, admin, by=other_admin)
    day = notice_ends(app, nomination_id) + timedelta(days=1)
    from notices.closing import close_notices

    workers = _racing_app(database_url, 3)
    outcomes = _race(workers, [lambda: close_notices(day)] * 3)
    assert outcomes == ["ok"] * 3
    assert balance(app, nominee) == 100
    assert _transfers(app, nomination_id) == 1
