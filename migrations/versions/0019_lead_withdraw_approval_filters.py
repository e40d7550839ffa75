"""a lead withdraws a pending hour record; indexes for the approvals filters

Revision ID: 0019
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: hour_records has triggers and references, a batch rebuild would trip them.
    op.add_column("hour_records", sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
    # The approvals queue filtered by activity, and the decided lists by status then newest first.
    op.create_index("ix_hour_records_status_activity", "hour_records", ["status", "activity_id", "id"])


def downgrade():
    op.drop_index("ix_hour_records_status_activity", table_name="hour_records")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE hour_records DROP COLUMN withdrawn_at")  # native since SQLite 3.35
    else:
        op.drop_column("hour_records", "withdrawn_at")
