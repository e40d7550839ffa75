"""append-only triggers and seed rows (issuing account, audit head, default rules)

Revision ID: 0002
Revises: 0001
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = ("transfers", "audit_events", "stock_movements")

DIFFICULTY_LEVELS = [
    ("normal", "一般", "1.00"),
    ("hard", "较难", "1.50"),
    ("very_hard", "困难", "2.00"),
    ("special", "特殊", "3.00"),
]
COMMENDATION_TYPES = [
    ("excellent_volunteer", "优秀志愿者", 100),
    ("five_star_family", "五星家庭", 80),
    ("good_deed", "好人好事", 50),
    ("most_beautiful_volunteer", "最美志愿者", 100),
    ("top_ten_volunteer", "十佳志愿者", 150),
    ("party_member_volunteer", "优秀党员志愿者", 100),
]


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION jifen_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION jifen_append_only()"
            )
    else:
        for table in APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )

    now = datetime.now(UTC)
    accounts = sa.table(
        "accounts", sa.column("id"), sa.column("kind"), sa.column("name"), sa.column("no_overdraft"),
        sa.column("debits_posted"), sa.column("credits_posted"), sa.column("created_at"),
    )
    op.bulk_insert(accounts, [{"id": 1, "kind": "issuer", "name": "街道积分发行账户", "no_overdraft": False,
                               "debits_posted": 0, "credits_posted": 0, "created_at": now}])
    head = sa.table("audit_head", sa.column("id"), sa.column("last_id"), sa.column("last_hash"))
    op.bulk_insert(head, [{"id": 1, "last_id": 0, "last_hash": "0" * 64}])
    rules = sa.table("points_rules", sa.column("points_per_hour"), sa.column("created_at"))
    op.bulk_insert(rules, [{"points_per_hour": 10, "created_at": now}])
    levels = sa.table("difficulty_levels", sa.column("code"), sa.column("name"),
                      sa.column("multiplier", sa.Numeric(4, 2)), sa.column("active"))
    op.bulk_insert(levels, [{"code": c, "name": n, "multiplier": m, "active": True}
                            for c, n, m in DIFFICULTY_LEVELS])
    types = sa.table("commendation_types", sa.column("code"), sa.column("name"),
                     sa.column("points"), sa.column("active"))
    op.bulk_insert(types, [{"code": c, "name": n, "points": p, "active": True}
                           for c, n, p in COMMENDATION_TYPES])
    if dialect == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('accounts', 'id'), (SELECT MAX(id) FROM accounts))")


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in ("commendation_types", "difficulty_levels", "points_rules", "audit_head", "accounts"):
        op.execute(f"DELETE FROM {table}")
    if dialect == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS jifen_append_only()")
    else:
        for table in APPEND_ONLY:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
