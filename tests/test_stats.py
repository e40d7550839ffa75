"""The report summaries (points/stats.py) agree with a recomputation after every kind of change,
made through the services, the pages and the API, on SQLite and PostgreSQL."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from accounts.models import User
from core.timeutil import shanghai_today
from extensions import db
from points import awards, hours, stats
from points.stats_models import HoursPresence, HoursStat, LedgerStat, VolunteerStat
from redemption import services
from reports import queries
from tests.factories import bearer, make_user, sign_in
from tests.factories_points import approve, crew, load_user, log, make_activity, make_team
from tests.factories_store import counter_setup


def problems(app) -> list[str]:
    with app.app_context():
        return stats.verify_stats()


def kept_rows(app) -> dict:
    """Every summary row that holds something (rows emptied by reversals count as absent)."""
    with app.app_context():
        out = {}
        for model in (HoursStat, HoursPresence, LedgerStat, VolunteerStat):
            table = model.__table__
            rows = db.session.execute(sa.select(table)).all()
            out[table.name] = sorted(
                tuple(row) for row in rows
                if any(value not in (0, None) for key, value in row._mapping.items()
                       if key not in {c.name for c in table.primary_key.columns}))
        return out


def year_totals(app) -> dict:
    with app.app_context():
        start, end = queries.period_days("year", shanghai_today())
        return queries.service_totals(start, end)


def previous_month_day():
    return shanghai_today().replace(day=1) - timedelta(days=1)


def test_approvals_reversals_awards_redemptions_and_voids_keep_every_summary_exact(app):
    c = crew(app)
    setup = counter_setup(app, points=0, price=10, stock=9)
    r1 = log(app, c.activity_id, c.a, 120, c.lead)
    r2 = log(app, c.activity_id, c.b, 60, c.lead)
    approve(app, r1, c.admin)
    assert problems(app) == []
    with app.test_request_context():
        admin = load_user(c.admin.id)
        hours.approve_many([r2], admin)
        awards.adjust_points(setup.resident.id, 50, "opening balance", admin, key="adj-1")
        awards.adjust_points(setup.resident.id, -5, "no-show", admin, key="adj-2")
        keeper = db.session.get(User, setup.keeper.id)
        done = services.redeem(services.RedeemRequest(
            setup.store.id, setup.resident.id, (services.Line(setup.item_id, 2),), key="basket-1"), keeper)
        services.redeem(services.RedeemRequest(
            setup.store.id, setup.resident.id, (services.Line(setup.item_id, 1),), key="basket-2"), keeper)
        services.void_redemption(done.id, "wrong item", keeper)
    assert problems(app) == []
    with app.app_context():
        assert queries.ledger_totals() == {"issued": 30 + 50, "redeemed": 10, "outstanding": 30 + 45 - 10}
    with app.test_request_context():
        hours.reverse_hours(r2, "logged twice", load_user(c.admin.id))
    assert problems(app) == []
    assert year_totals(app) == {"minutes": 120, "hours": queries.hours(120), "points": 20, "volunteers": 1}


def test_a_volunteer_counts_once_per_team_and_leaves_when_every_record_is_reversed(app):
    c = crew(app)
    second = make_activity(app, c.team_id, c.lead)
    first = log(app, c.activity_id, c.a, 30, c.lead)
    again = log(app, second, c.a, 45, c.lead)
    approve(app, first, c.admin)
    approve(app, again, c.admin)
    with app.app_context():
        assert [(r["volunteers"], r["minutes"]) for r in queries.breakdown("team", None, None)] == [(1, 75)]
    with app.test_request_context():
        hours.reverse_hours(first, "wrong person", load_user(c.admin.id))
    with app.app_context():
        assert [(r["volunteers"], r["minutes"]) for r in queries.breakdown("team", None, None)] == [(1, 45)]
    with app.test_request_context():
        hours.reverse_hours(again, "wrong person", load_user(c.admin.id))
    with app.app_context():
        assert queries.breakdown("team", None, None) == []
        assert queries.active_volunteers(shanghai_today()) == 0
        assert queries.honour_roll(None, None) == []
    assert problems(app) == []


def test_a_reversal_takes_hours_and_points_from_the_service_month_of_the_original(app):
    c = crew(app)
    day = previous_month_day()
    older = make_activity(app, c.team_id, c.lead, day=day)
    record_id = log(app, older, c.a, 60, c.lead)
    approve(app, record_id, c.admin)
    with app.app_context():
        trend = {row["month"]: row for row in queries.monthly_trend(shanghai_today())}
        assert trend[day.strftime("%Y-%m")]["issued"] == 10 and trend[day.strftime("%Y-%m")]["minutes"] == 60
        assert trend[shanghai_today().strftime("%Y-%m")]["issued"] == 0  # posted now, served last month
    with app.test_request_context():
        hours.reverse_hours(record_id, "not there", load_user(c.admin.id))
    with app.app_context():
        trend = {row["month"]: row for row in queries.monthly_trend(shanghai_today())}
        assert trend[day.strftime("%Y-%m")]["issued"] == 0 and trend[day.strftime("%Y-%m")]["minutes"] == 0
        assert queries.ledger_totals()["issued"] == 0
    assert problems(app) == []


def test_active_volunteers_fall_back_to_the_latest_record_left_after_a_reversal(app):
    c = crew(app)
    long_ago = make_activity(app, c.team_id, c.lead, day=shanghai_today() - timedelta(days=200))
    old = log(app, long_ago, c.a, 60, c.lead)
    recent = log(app, c.activity_id, c.a, 60, c.lead)
    approve(app, old, c.admin)
    approve(app, recent, c.admin)
    with app.app_context():
        assert queries.active_volunteers(shanghai_today()) == 1
    with app.test_request_context():
        hours.reverse_hours(recent, "mistake", load_user(c.admin.id))
    with app.app_context():
        assert queries.active_volunteers(shanghai_today()) == 0  # only the 200-day-old record is left
        assert queries.service_totals(None, None)["minutes"] == 60
    assert problems(app) == []


def test_approving_and_reversing_through_the_pages_keeps_the_summaries(app, client):
    c = crew(app)
    one = log(app, c.activity_id, c.a, 90, c.lead)
    two = log(app, c.activity_id, c.b, 30, c.lead)
    sign_in(client, c.admin)
    assert client.post("/approvals/approve", data={"ids": [str(one), str(two)]}).status_code in (302, 303)
    assert client.post(f"/approvals/{two}/reverse",
                       data={"idempotency_key": "k" * 32, "reason": "wrong day"}).status_code in (302, 303)
    assert problems(app) == []
    assert year_totals(app)["minutes"] == 90
    assert client.get("/approvals").status_code == 200
    volunteer = app.test_client()
    sign_in(volunteer, c.a)
    assert ">1.5 <" in volunteer.get("/").get_data(as_text=True)  # the volunteer's hours, from the summary


def test_redeeming_and_voiding_through_the_api_keeps_the_summaries(app, client):
    setup = counter_setup(app, points=100, price=10, stock=9)
    headers = bearer(app, setup.keeper)
    body = {"store_id": setup.store.id, "resident_id": setup.resident.id,
            "lines": [{"item_id": setup.item_id, "quantity": 3}]}
    made = client.post("/api/v1/redemptions", json=body, headers={**headers, "Idempotency-Key": "api-1"})
    assert made.status_code == 201
    voided = client.post(f"/api/v1/redemptions/{made.get_json()['id']}/void", json={"reason": "typo"},
                         headers={**headers, "Idempotency-Key": "api-2"})
    assert voided.status_code == 200
    assert problems(app) == []
    with app.app_context():
        assert queries.ledger_totals() == {"issued": 100, "redeemed": 0, "outstanding": 100}


def test_rebuild_recomputes_exactly_what_the_writes_kept(app):
    c = crew(app)
    setup = counter_setup(app, points=40)
    for volunteer, minutes in ((c.a, 60), (c.b, 150)):
        approve(app, log(app, c.activity_id, volunteer, minutes, c.lead), c.admin)
    with app.test_request_context():
        services.redeem(services.RedeemRequest(setup.store.id, setup.resident.id,
                                               (services.Line(setup.item_id, 1),), key="b"),
                        db.session.get(User, setup.keeper.id))
    kept = kept_rows(app)
    with app.app_context():
        stats.rebuild()
    assert kept_rows(app) == kept
    assert kept["stats_hours"] and kept["stats_ledger"]


def test_verify_names_a_summary_changed_behind_the_apps_back(app):
    c = crew(app)
    approve(app, log(app, c.activity_id, c.a, 60, c.lead), c.admin)
    with app.app_context():
        db.session.execute(sa.update(HoursStat).where(HoursStat.dim == "team").values(minutes=HoursStat.minutes + 1))
        db.session.execute(sa.update(HoursPresence).where(HoursPresence.dim == "total", HoursPresence.period == 0)
                           .values(minutes=HoursPresence.minutes + 5))
        db.session.commit()
    found = problems(app)
    assert any(p.startswith("hours summary (") and "'team'" in p for p in found)
    assert any(p.startswith("volunteer's minutes") for p in found)
    result = app.test_cli_runner().invoke(args=["verify", "--all"])
    assert result.exit_code == 1 and "stats: hours summary" in result.output
    with app.app_context():
        stats.rebuild()
    result = app.test_cli_runner().invoke(args=["verify"])
    assert result.exit_code == 0 and "OK stats" in result.output


@pytest.mark.slow
def test_approvals_from_many_threads_keep_the_distinct_volunteer_counts_exact(app):
    admin = make_user(app, "admin")
    lead = make_user(app, "team_lead")
    people = [make_user(app) for _ in range(6)]
    team_id = make_team(app, leads=[lead], members=people)
    activities = [make_activity(app, team_id, lead) for _ in range(3)]
    records = [log(app, activity_id, person, 20, lead) for activity_id in activities for person in people]
    failures = []

    def approve_some(ids):
        try:
            with app.test_request_context():
                for record_id in ids:
                    hours.approve_hours(record_id, load_user(admin.id))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(repr(error))
        finally:
            with app.app_context():
                db.session.remove()

    threads = [threading.Thread(target=approve_some, args=(records[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert problems(app) == []
    with app.app_context():
        assert [(r["volunteers"], r["minutes"]) for r in queries.breakdown("team", None, None)] == [(6, 360)]


def test_migration_0006_backfills_the_summaries_from_existing_rows(app):
    from flask_migrate import downgrade, upgrade

    c = crew(app)
    approve(app, log(app, c.activity_id, c.a, 60, c.lead), c.admin)
    approve(app, log(app, make_activity(app, c.team_id, c.lead, day=previous_month_day()), c.b, 45, c.lead),
            c.admin)
    kept = kept_rows(app)
    with app.app_context():
        db.session.remove()
        downgrade(revision="0003")
        upgrade()
    assert kept_rows(app) == kept and kept["stats_presence"]
    assert problems(app) == []


def test_the_resident_count_follows_new_people_roles_and_deactivation(app):
    from accounts.models import UserRole
    from core.db import run_write

    def count():
        with app.app_context():
            return queries.residents_count()

    assert count() == 0
    first, second = make_user(app), make_user(app, name="李娜")
    make_user(app, "admin")  # not a resident
    assert count() == 2

    def change(work):
        with app.app_context():
            run_write(work, audited=False)

    change(lambda: setattr(db.session.get(User, first.id), "active", False))
    assert count() == 1
    change(lambda: db.session.execute(sa.delete(UserRole).where(UserRole.user_id == second.id)))
    assert count() == 0
    change(lambda: db.session.add(UserRole(user_id=second.id, role="resident")))
    change(lambda: setattr(db.session.get(User, first.id), "active", True))
    assert count() == 2
    assert problems(app) == []
