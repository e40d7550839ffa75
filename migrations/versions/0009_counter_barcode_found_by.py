"""counter: items.barcode (unique per store) and redemptions.found_by (card or search)

Revision ID: 0009
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("barcode", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_items_store_barcode", ["store_id", "barcode"])
    with op.batch_alter_table("redemptions") as batch:  # shim: write engineer
        batch.add_column(sa.Column("found_by", sa.String(10), nullable=False, server_default="card"))  # shim: write engineer


def downgrade():
    with op.batch_alter_table("redemptions") as batch:  # shim: write engineer
        batch.drop_column("found_by")  # shim: write engineer
    with op.batch_alter_table("items") as batch:
        batch.drop_constraint("uq_items_store_barcode", type_="unique")
        batch.drop_column("barcode")
