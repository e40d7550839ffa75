"""report summaries kept with the writes (hours by service month, points by posting month),
indexes for the hot read queries; backfilled from the existing rows

Revision ID: 0006
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_hour_records_status_id", "hour_records", ["status", "id"]),
    ("ix_hour_records_status_decided", "hour_records", ["status", "decided_at", "id"]),
    ("ix_audit_events_actor_newest", "audit_events", ["actor_id", "id"]),
    ("ix_audit_events_action_newest", "audit_events", ["action", "id"]),
    ("ix_user_roles_role", "user_roles", ["role", "user_id"]),
    ("ix_users_active", "users", ["active"]),
]


def upgrade():
    op.create_table(
        "stats_hours",
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("dim", sa.String(length=10), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("minutes", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("volunteers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", "dim", "group_id", "category", name="pk_stats_hours"),
    )
    op.create_table(
        "stats_presence",
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("dim", sa.String(length=10), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", "dim", "group_id", "category", "volunteer_id", name="pk_stats_presence"),
    )
    op.create_index("ix_stats_presence_rank", "stats_presence", ["period", "dim", "minutes", "volunteer_id"])
    op.create_table(
        "stats_volunteers",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("volunteer_id", name="pk_stats_volunteers"),
    )
    op.create_index("ix_stats_volunteers_last_day", "stats_volunteers", ["last_day"])
    op.create_table(
        "stats_ledger",
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reverses_kind", sa.String(length=20), nullable=False),
        sa.Column("flow", sa.String(length=3), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "kind", "reverses_kind", "flow", "slot", name="pk_stats_ledger"),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)

    # Backfill with the same bulk SQL as `stats.rebuild()`.
    from points.stats_rebuild import rebuild_on

    rebuild_on(op.get_bind())


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_index("ix_stats_volunteers_last_day", table_name="stats_volunteers")
    op.drop_index("ix_stats_presence_rank", table_name="stats_presence")
    for table in ("stats_ledger", "stats_volunteers", "stats_presence", "stats_hours"):
        op.drop_table(table)
