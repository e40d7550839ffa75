"""Migration 0004 on a database with history: transfers rebuilt with their data and guards, and the
monthly usage rows backfilled exactly from completed redemptions by Shanghai calendar month."""

import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from extensions import db
from tests.conftest import WANTED, _pg_admin, _pg_url, require_postgres


@pytest.fixture(params=[d for d in ("sqlite", "postgresql") if d in WANTED])
def old_app(request, tmp_path):
    """An app on a database migrated only to 0003."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        require_postgres()
        name = f"jifen_old_{uuid.uuid4().hex[:12]}"
        _pg_admin(f"CREATE DATABASE {name}")
        url = _pg_url(name)
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0003")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if request.param == "postgresql":
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


HISTORY = [
    # (redemption id, status, created_at UTC, [(item, quantity)])
    (1, "completed", "2026-01-31 15:59:00", [(1, 2), (2, 1)]),  # 23:59 Shanghai, January
    (2, "completed", "2026-01-31 16:00:00", [(1, 3)]),          # 00:00 Shanghai, 1 February
    (3, "voided", "2026-02-03 08:00:00", [(1, 5)]),             # voided: does not count
    (4, "completed", "2026-02-10 08:00:00", [(1, 1), (2, 4)]),
]


def seed_history(conn) -> None:
    run = lambda sql, **p: conn.execute(sa.text(sql), p)  # noqa: E731
    utc = "+00" if conn.dialect.name == "postgresql" else ""  # SQLite stores naive UTC text
    now = "2026-01-01 00:00:00" + utc
    run("INSERT INTO users (id, username, name, password_hash, active, created_at, honour_roll_opt_out, "
        "name_initials) VALUES (10, 'keeper', 'K', 'x', true, :t, false, ''), "
        "(11, 'resident', 'R', 'x', true, :t, false, '')", t=now)
    run("INSERT INTO accounts (id, kind, user_id, name, no_overdraft, debits_posted, credits_posted, created_at) "
        "VALUES (2, 'store', NULL, 's', true, 0, 0, :t), (3, 'resident', 11, '', true, 0, 0, :t)", t=now)
    run("INSERT INTO transfers (id, idempotency_key, request_hash, debit_account_id, credit_account_id, amount, "
        "kind, memo, debit_balance_after, credit_balance_after, created_at, checksum) "
        "VALUES (1, 'k1', 'h', 1, 3, 50, 'adjustment', '', -50, 50, :t, 'c')", t=now)
    run("INSERT INTO stores (id, name, account_id, active, created_at) VALUES (1, 's', 2, true, :t)", t=now)
    run("INSERT INTO items (id, store_id, name, category, price, stock, active, monthly_limit, created_at) "
        "VALUES (1, 1, 'rice', '', 1, 10, true, 10, :t), (2, 1, 'oil', '', 1, 10, true, NULL, :t)", t=now)
    for rid, status, at, lines in HISTORY:
        total = sum(q for _, q in lines)
        run("INSERT INTO redemptions (id, number, store_id, resident_id, keeper_id, total_points, balance_after, "
            "status, created_at) VALUES (:id, :n, 1, 11, 10, :total, 0, :status, :at)",
            id=rid, n=f"DH-{rid}", total=total, status=status, at=at + utc)
        for item_id, quantity in lines:
            run("INSERT INTO redemption_lines (redemption_id, item_id, item_name, quantity, unit_price, line_points) "
                "VALUES (:r, :i, 'x', :q, 1, :q)", r=rid, i=item_id, q=quantity)


def test_upgrade_keeps_transfers_and_backfills_monthly_usage_exactly(old_app):
    with old_app.app_context():
        with db.engine.begin() as conn:
            seed_history(conn)
        upgrade()
        usage = db.session.execute(sa.text(
            "SELECT resident_id, item_id, month, quantity FROM item_month_usage ORDER BY month, item_id")).all()
        transfer = db.session.execute(sa.text("SELECT id, kind, amount FROM transfers")).all()
        found_by = db.session.execute(sa.text("SELECT DISTINCT found_by FROM redemptions")).scalars().all()
        db.session.rollback()
        assert [tuple(row) for row in usage] == [
            (11, 1, "2026-01", 2), (11, 2, "2026-01", 1),
            (11, 1, "2026-02", 3 + 1), (11, 2, "2026-02", 4),
        ]
        assert [tuple(row) for row in transfer] == [(1, "adjustment", 50)]
        assert found_by == ["card"]
        # The rebuilt table is still append-only and still refuses what it refused.
        for statement in ("UPDATE transfers SET amount = 1", "DELETE FROM transfers",
                          "INSERT INTO transfers (idempotency_key, request_hash, debit_account_id, credit_account_id, "
                          "amount, kind, memo, debit_balance_after, credit_balance_after, created_at, checksum) "
                          "VALUES ('k2', 'h', 1, 3, 5, 'no_such_kind', '', 0, 0, '2026-01-01', 'c')"):
            with pytest.raises(sa.exc.DBAPIError):
                with db.engine.begin() as conn:
                    conn.execute(sa.text(statement))
