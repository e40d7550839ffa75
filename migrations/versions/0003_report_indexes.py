"""indexes for the reports: hour records by status and day, transfers by time

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_hour_records_status_day", "hour_records", ["status", "service_date"])
    op.create_index("ix_transfers_created_at", "transfers", ["created_at"])


def downgrade():
    op.drop_index("ix_transfers_created_at", table_name="transfers")
    op.drop_index("ix_hour_records_status_day", table_name="hour_records")
