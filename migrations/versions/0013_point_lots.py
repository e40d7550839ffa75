"""points that expire: lots per credit, draws per debit, opening lots for today's balances

Every resident account with a positive balance gets one opening lot that never expires (what
was credited before keeps no expiry); lot_start remembers the newest transfer before lots.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "point_lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_point_lots_amount_positive")),
        sa.CheckConstraint("remaining >= 0 AND remaining <= amount",
                           name=op.f("ck_point_lots_remaining_within_amount")),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_point_lots_account_id_accounts")),
        sa.ForeignKeyConstraint(["transfer_id"], ["transfers.id"], name=op.f("fk_point_lots_transfer_id_transfers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_lots")),
    )
    op.create_index("ix_point_lots_account_expires", "point_lots", ["account_id", "expires_on"])
    op.create_index("ix_point_lots_expires_account", "point_lots", ["expires_on", "account_id"])
    op.create_index("ix_point_lots_transfer", "point_lots", ["transfer_id"])
    op.create_table(
        "lot_draws",
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_lot_draws_amount_nonzero")),
        sa.ForeignKeyConstraint(["lot_id"], ["point_lots.id"], name=op.f("fk_lot_draws_lot_id_point_lots")),
        sa.ForeignKeyConstraint(["transfer_id"], ["transfers.id"], name=op.f("fk_lot_draws_transfer_id_transfers")),
        sa.PrimaryKeyConstraint("transfer_id", "lot_id", name=op.f("pk_lot_draws")),
    )
    op.create_table(
        "lot_start",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("after_transfer_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_lot_start_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_start")),
    )
    op.create_table(
        "expiry_notices",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_expiry_notices_account_id_accounts")),
        sa.PrimaryKeyConstraint("account_id", "expires_on", name=op.f("pk_expiry_notices")),
    )
    op.execute("INSERT INTO lot_start (id, after_transfer_id) SELECT 1, COALESCE(MAX(id), 0) FROM transfers")
    op.execute(
        "INSERT INTO point_lots (account_id, transfer_id, amount, remaining, expires_on) "
        "SELECT id, NULL, credits_posted - debits_posted, credits_posted - debits_posted, NULL "
        "FROM accounts WHERE kind = 'resident' AND credits_posted > debits_posted ORDER BY id"
    )
    # 0004 seeded 'expiry' already; this keeps the kind present on any database.
    op.execute("INSERT INTO transfer_kinds (code, name) SELECT 'expiry', 'Expiry' "
               "WHERE NOT EXISTS (SELECT 1 FROM transfer_kinds WHERE code = 'expiry')")


def downgrade():
    # The 'expiry' kind stays: migration 0004 owns it and transfers may name it.
    op.drop_table("expiry_notices")
    op.drop_table("lot_start")
    op.drop_table("lot_draws")
    op.drop_index("ix_point_lots_transfer", table_name="point_lots")
    op.drop_index("ix_point_lots_expires_account", table_name="point_lots")
    op.drop_index("ix_point_lots_account_expires", table_name="point_lots")
    op.drop_table("point_lots")
