"""The 24-hour cap is a database guard (person_day_minutes), exact without any global lock."""

import threading

import pytest
import sqlalchemy as sa

import core.db
from app import create_app
from core.errors import DailyLimitExceeded
from extensions import db
from points import hours
from points.day_minutes import TABLE, live_minutes, rebuild_day_minutes, verify_day_minutes
from points.models import HourRecord
from tests.factories import make_user
from tests.factories_points import approve, crew, load_user, log, make_activity, make_team, spend, yesterday

ACTIVITIES_PER_TEAM = 4
MINUTES_EACH = 400  # room for three on one day (1200), not four (1600)


@pytest.fixture
def no_audit_head_lock(monkeypatch):
    """Run writes without the audit head lock taken first, as the lean write path will."""
    monkeypatch.setattr(core.db, "_begin_hooks", [], raising=False)


def day_row(app, user) -> int:
    with app.app_context():
        return live_minutes(user.id, db.session.execute(
            sa.select(HourRecord.service_date).where(HourRecord.volunteer_id == user.id)).scalars().first())


@pytest.mark.slow
def test_concurrent_logging_across_two_teams_never_passes_1440_minutes(app, database_url, no_audit_head_lock):
    c = crew(app)
    other_lead = make_user(app, "team_lead")
    other_team = make_team(app, leads=[other_lead], members=[c.a])
    jobs = [(make_activity(app, c.team_id, c.lead), c.lead) for _ in range(ACTIVITIES_PER_TEAM)]
    jobs += [(make_activity(app, other_team, other_lead), other_lead) for _ in range(ACTIVITIES_PER_TEAM)]
    workers = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url,
                          "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": len(jobs), "max_overflow": 0}
                          if database_url.startswith("postgresql") else {}})
    start, lock, outcomes = threading.Barrier(len(jobs)), threading.Lock(), []

    def log_one(activity_id: int, lead) -> None:
        with workers.test_request_context():
            lead_user = load_user(lead.id)
            start.wait()
            try:
                hours.log_hours(activity_id, c.a.id, MINUTES_EACH, lead_user)
                result = "ok"
            except DailyLimitExceeded as refused:
                result = refused.code
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=log_one, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with workers.app_context():
        db.engine.dispose()

    assert len(outcomes) == len(jobs), "a worker died"
    assert outcomes.count("ok") == 1440 // MINUTES_EACH
    assert set(outcomes) == {"ok", "daily_limit_exceeded"}
    with app.app_context():
        live = db.session.execute(sa.select(sa.func.sum(HourRecord.minutes)).where(
            HourRecord.volunteer_id == c.a.id, HourRecord.status.in_(hours.LIVE))).scalar_one()
        assert live == 3 * MINUTES_EACH
        assert verify_day_minutes() == []


def test_rejected_and_reversed_records_give_their_minutes_back(app):
    c = crew(app)
    first = log(app, c.activity_id, c.a, 1000, c.lead)
    second = log(app, make_activity(app, c.team_id, c.lead), c.a, 440, c.lead)
    assert day_row(app, c.a) == 1440
    with app.test_request_context():
        hours.reject_hours(second, "typo", load_user(c.admin.id))
    assert day_row(app, c.a) == 1000
    approve(app, first, c.admin)
    assert day_row(app, c.a) == 1000  # approval keeps them counted
    with app.test_request_context():
        hours.reverse_hours(first, "wrong person", load_user(c.admin.id))
    assert day_row(app, c.a) == 0
    log(app, make_activity(app, c.team_id, c.lead), c.a, 1440, c.lead)
    with app.app_context():
        assert verify_day_minutes() == []


def test_a_refused_reversal_keeps_the_minutes_counted(app):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    approve(app, rid, c.admin)
    spend(app, c.a, 5)
    with app.test_request_context(), pytest.raises(Exception) as refused:
        hours.reverse_hours(rid, "wrong", load_user(c.admin.id))
    assert refused.value.code == "points_already_spent"
    assert day_row(app, c.a) == 60


def test_verify_reports_a_guard_row_changed_behind_the_apps_back_and_rebuild_repairs_it(app):
    c = crew(app)
    log(app, c.activity_id, c.a, 90, c.lead)
    log(app, c.activity_id, c.b, 30, c.lead)
    with app.app_context():
        db.session.execute(sa.update(TABLE).where(TABLE.c.user_id == c.a.id).values(minutes=10))
        db.session.execute(sa.delete(TABLE).where(TABLE.c.user_id == c.b.id))
        db.session.commit()
        problems = verify_day_minutes()
        assert len(problems) == 2
        assert any(f"user {c.a.id}" in p and "10 minutes kept, 90" in p for p in problems)
        assert any(f"user {c.b.id}" in p for p in problems)
        assert rebuild_day_minutes() == 2
        assert verify_day_minutes() == []
    assert day_row(app, c.a) == 90


def test_the_migration_backfills_the_guard_rows_exactly_from_live_records(app):
    from flask_migrate import downgrade, upgrade

    c = crew(app)
    old = make_activity(app, c.team_id, c.lead, day=yesterday())
    log(app, c.activity_id, c.a, 100, c.lead)
    approve(app, log(app, old, c.a, 200, c.lead), c.admin)
    rejected = log(app, make_activity(app, c.team_id, c.lead), c.a, 300, c.lead)
    log(app, c.activity_id, c.b, 50, c.lead)
    with app.test_request_context():
        hours.reject_hours(rejected, "typo", load_user(c.admin.id))
    with app.app_context():
        downgrade(revision="0003")
        upgrade()
        rows = sorted((u, m) for u, _day, m in db.session.execute(sa.select(TABLE)).all())
        assert rows == sorted([(c.a.id, 100), (c.a.id, 200), (c.b.id, 50)])
        assert verify_day_minutes() == []
        db.session.remove()
