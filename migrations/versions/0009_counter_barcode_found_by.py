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
    # In place, no batch rebuild: items is referenced by stock movements and redemption lines.
    op.add_column("items", sa.Column("barcode", sa.String(64), nullable=True))
    op.create_index("uq_items_store_barcode", "items", ["store_id", "barcode"], unique=True)


def downgrade():
    op.drop_index("uq_items_store_barcode", table_name="items")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE items DROP COLUMN barcode")  # native since SQLite 3.35; no rebuild
    else:
        op.drop_column("items", "barcode")
