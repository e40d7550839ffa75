"""guard rows for the lean write path: per-person, per-day minutes and sign-in failure counters

The 24-hour cap and sign-in throttling used to lean on the global audit head lock; each now
has its own database guard. person_day_minutes is backfilled exactly from live hour records.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "person_day_minutes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint("minutes BETWEEN 0 AND 1440", name=op.f("ck_person_day_minutes_minutes_range")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_person_day_minutes_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_person_day_minutes")),
    )
    op.execute(
        "INSERT INTO person_day_minutes (user_id, day, minutes) "
        "SELECT volunteer_id, service_date, SUM(minutes) FROM hour_records "
        "WHERE status IN ('pending', 'approved') GROUP BY volunteer_id, service_date"
    )
    op.create_table(
        "sign_in_counters",
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.CheckConstraint("scope IN ('username', 'address')", name=op.f("ck_sign_in_counters_known_scope")),
        sa.CheckConstraint("failures >= 0", name=op.f("ck_sign_in_counters_failures_nonnegative")),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_sign_in_counters")),
    )
    op.create_index("ix_sign_in_counters_window_start", "sign_in_counters", ["window_start"])


def downgrade():
    op.drop_index("ix_sign_in_counters_window_start", table_name="sign_in_counters")
    op.drop_table("sign_in_counters")
    op.drop_table("person_day_minutes")
