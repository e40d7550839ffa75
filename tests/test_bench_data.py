"""`flask bench-data`: a small city, on SQLite and PostgreSQL — deterministic, consistent, verified."""

import shutil
import uuid

import pytest
import sqlalchemy as sa

from accounts.models import User, UserRole
from audit.models import AuditHead
from extensions import db
from points.ledger_models import Account, Transfer
from points.models import HourRecord
from redemption.models import Item, Redemption
from tests.conftest import _pg_admin, _pg_url, db_kind
from tests.factories import make_user
from tests.test_cli import invoke

SMALL = ("--residents", "200", "--activities", "60", "--hours", "500", "--redemptions", "150")


def fingerprint(app) -> dict:
    """What two runs with the same seed must share: counts, ledger sums, the audit head."""
    with app.app_context():
        counts = {name: db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                  for name, table in db.metadata.tables.items()}
        sums = db.session.execute(sa.select(Account.kind, sa.func.sum(Account.credits_posted),
                                             sa.func.sum(Account.debits_posted))
                                  .group_by(Account.kind).order_by(Account.kind)).all()
        head = db.session.execute(sa.select(AuditHead.last_id, AuditHead.last_hash)).one()
        db.session.remove()
    return {"counts": counts, "sums": [tuple(row) for row in sums], "head": tuple(head)}


@pytest.fixture
def second_app(request, app, tmp_path):
    """Another empty, migrated database of the same kind as app's."""
    from app import create_app

    if db_kind(app) == "sqlite":
        target = tmp_path / "second.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        url, name = f"sqlite:///{target}", None
    else:
        name = f"jifen_t_{uuid.uuid4().hex[:12]}"
        _pg_admin(f"CREATE DATABASE {name} TEMPLATE {request.getfixturevalue('pg_template')}")
        url = _pg_url(name)
    other = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": url})
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()
    if name:
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_the_same_seed_builds_the_same_city_and_verify_passes(app, second_app):
    first = invoke(app, "bench-data", *SMALL, "--seed", "7")
    again = invoke(second_app, "bench-data", *SMALL, "--seed", "7")

    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output
    assert fingerprint(app) == fingerprint(second_app)
    counts = fingerprint(app)["counts"]
    assert counts["users"] == 200 + 4 + 1 + counts["store_keepers"]  # residents, admins, auditor, keepers
    assert counts["hour_records"] > 400 and counts["redemptions"] > 60
    assert "City ready" in first.output and "rows/s" in first.output
    check = invoke(app, "verify")
    assert check.exit_code == 0, check.output
    assert "All checks passed." in check.output
    assert "rows/s" in check.output


def test_another_seed_builds_another_city(app, second_app):
    invoke(app, "bench-data", *SMALL, "--seed", "1")
    invoke(second_app, "bench-data", *SMALL, "--seed", "2")

    assert fingerprint(app)["head"] != fingerprint(second_app)["head"]


def test_bench_data_refuses_a_database_that_has_users(app):
    make_user(app, "resident")

    result = invoke(app, "bench-data", *SMALL)

    assert result.exit_code == 1
    assert "already has 1 user(s)" in result.output
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(User.id))).scalar_one() == 1
        assert db.session.execute(sa.select(sa.func.count(Transfer.id))).scalar_one() == 0


@pytest.mark.parametrize("bad", [["--residents", "abc"], ["--residents", "-5"], ["--hours", "1e6"],
                                 ["--seed", "x"], ["--redemptions", "99999999999"], ["--residents", "１２"],
                                 ["--activities", "1_000"], ["--hours", " 5"]])
def test_bench_data_rejects_sizes_that_are_not_whole_numbers_in_range(app, bad):
    result = invoke(app, "bench-data", *bad)

    assert result.exit_code == 2
    assert "Invalid value" in result.output
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(User.id))).scalar_one() == 0


def test_the_city_keeps_the_rules_a_real_street_keeps(app):
    from accounts.passwords import check_password
    from accounts.services import NewUser, create_user
    from commands.demo_data import DEMO_PASSWORD

    result = invoke(app, "bench-data", *SMALL)
    assert result.exit_code == 0, result.output
    with app.app_context():
        live = HourRecord.status.in_(("pending", "approved"))
        per_day = (sa.select(sa.func.sum(HourRecord.minutes).label("minutes")).where(live)
                   .group_by(HourRecord.volunteer_id, HourRecord.service_date).subquery())
        worst_day = db.session.execute(sa.select(sa.func.max(per_day.c.minutes))).scalar_one()
        statuses = set(db.session.execute(sa.select(HourRecord.status).distinct()).scalars())
        voided = db.session.execute(sa.select(sa.func.count()).where(Redemption.status == "voided")).scalar_one()
        roles = {(u, r) for u, r in db.session.execute(
            sa.select(User.username, UserRole.role).join(UserRole, UserRole.user_id == User.id)
            .where(User.username.in_(["admin", "auditor", "lead", "keeper", "resident1"])))}
        admin_hash = db.session.execute(sa.select(User.password_hash).where(User.username == "admin")).scalar_one()
        overdrawn = db.session.execute(sa.select(sa.func.count()).where(
            Account.kind == "resident", Account.credits_posted < Account.debits_posted)).scalar_one()
        items = db.session.execute(sa.select(sa.func.count(Item.id))).scalar_one()
        # ids continue after the load (PostgreSQL sequences moved past the bulk ids)
        newcomer_id = create_user(NewUser(username="newcomer", name="新居民", password="long-enough-1"),
                                  actor=None).id
        db.session.remove()

    assert worst_day <= 1440
    assert statuses == {"pending", "approved", "rejected", "reversed"}
    assert voided >= 1
    assert {("admin", "admin"), ("auditor", "auditor"), ("lead", "team_lead"), ("keeper", "store_keeper"),
            ("resident1", "resident")} <= roles
    assert check_password(admin_hash, DEMO_PASSWORD)
    assert overdrawn == 0
    assert items == 40 * 3  # three communities, one store each, 40 goods
    assert newcomer_id > 200
    for known in ("admin", "auditor", "lead", "keeper", "resident1"):
        assert f"  {known}" in result.output
    assert invoke(app, "verify").exit_code == 0


def test_the_smallest_city_still_verifies(app):
    result = invoke(app, "bench-data", "--residents", "10", "--activities", "0", "--hours", "0",
                    "--redemptions", "0")

    assert result.exit_code == 0, result.output
    assert invoke(app, "verify").exit_code == 0


def test_a_postgresql_city_leaves_the_planner_its_statistics(app):
    """Without them PostgreSQL planned the resident's home page at 329 ms instead of 9 on the full city."""
    if db_kind(app) != "postgresql":
        pytest.skip("SQLite's planner needs no statistics for these indexes")

    result = invoke(app, "bench-data", *SMALL)

    assert result.exit_code == 0, result.output
    assert "planner statistics: VACUUM (ANALYZE)" in result.output
    with app.app_context():
        estimated = dict(db.session.execute(sa.text(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('hour_records', 'transfers', 'audit_events')")).all())
        analysed = db.session.execute(sa.text(
            "SELECT count(*) FROM pg_stats WHERE tablename = 'hour_records'")).scalar_one()
        db.session.remove()
    assert all(rows > 100 for rows in estimated.values()), estimated  # row estimates, not -1 (unknown)
    assert analysed > 0
