"""counter: items.barcode (unique per store)

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("barcode", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_items_store_barcode", ["store_id", "barcode"])


def downgrade():
    with op.batch_alter_table("items") as batch:
        batch.drop_constraint("uq_items_store_barcode", type_="unique")
        batch.drop_column("barcode")
