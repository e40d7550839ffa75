"""lean write path: transfer kinds as data, household ids, monthly usage rows, redemptions.found_by

Revision ID: 0004
Revises: 0003

- transfer_kinds (code, name), seeded; transfers.kind becomes a foreign key to it instead of a
  CHECK, so a new kind is one INSERT. SQLite cannot change a table's constraints in place, so
  the append-only transfers table is rebuilt once here, data, indexes and triggers kept.
- accounts.household_id: nullable and indexed (households come with a later issue).
- item_month_usage: the database guard of monthly limits, backfilled exactly from completed
  redemptions (Shanghai calendar months).
- redemptions.found_by: 'card' or 'search'.
"""
from collections import Counter
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

KINDS = [
    ("hours_award", "Hours award"),
    ("commendation", "Commendation"),
    ("adjustment", "Adjustment"),
    ("redemption", "Redemption"),
    ("reversal", "Reversal"),
    ("expiry", "Expiry"),
    ("deduction", "Deduction"),
    ("gift", "Gift"),
]
OLD_KINDS_CHECK = "kind IN ('hours_award', 'commendation', 'adjustment', 'redemption', 'reversal')"
TRANSFER_COLUMNS = (
    "id, idempotency_key, request_hash, debit_account_id, credit_account_id, amount, kind, reverses_id, "
    "source_type, source_id, memo, actor_id, debit_balance_after, credit_balance_after, created_at, checksum"
)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _transfers_table(name: str, kind_check: bool) -> None:
    """The transfers table as 0001 made it, with kind a foreign key (or the old CHECK for a downgrade)."""
    kind_rule = (sa.CheckConstraint(OLD_KINDS_CHECK, name=op.f("ck_transfers_known_kind")) if kind_check
                 else sa.ForeignKeyConstraint(["kind"], ["transfer_kinds.code"],
                                              name=op.f("fk_transfers_kind_transfer_kinds")))
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=300), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("debit_account_id", sa.Integer(), nullable=False),
        sa.Column("credit_account_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("source_type", sa.String(length=40), nullable=True),
        sa.Column("source_id", sa.BigInteger(), nullable=True),
        sa.Column("memo", sa.String(length=500), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("debit_balance_after", sa.BigInteger(), nullable=False),
        sa.Column("credit_balance_after", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.CheckConstraint("(kind = 'reversal') = (reverses_id IS NOT NULL)", name=op.f("ck_transfers_reversal_link")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_transfers_amount_positive")),
        sa.CheckConstraint("debit_account_id <> credit_account_id", name=op.f("ck_transfers_distinct_accounts")),
        kind_rule,
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_transfers_actor_id_users")),
        sa.ForeignKeyConstraint(["credit_account_id"], ["accounts.id"],
                                name=op.f("fk_transfers_credit_account_id_accounts")),
        sa.ForeignKeyConstraint(["debit_account_id"], ["accounts.id"],
                                name=op.f("fk_transfers_debit_account_id_accounts")),
        sa.ForeignKeyConstraint(["reverses_id"], ["transfers.id"], name=op.f("fk_transfers_reverses_id_transfers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_transfers_idempotency_key")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_transfers_reverses_id")),
    )


def _rebuild_sqlite_transfers(kind_check: bool) -> None:
    """SQLite's documented 12-step table rebuild (sqlite.org/lang_altertable.html).

    Foreign keys must be off while the old table is dropped and the new one renamed into
    place (other tables reference transfers by name), and that pragma only takes effect
    outside a transaction: so this step commits what came before, rebuilds in a transaction
    of its own, checks every foreign key, and opens a new transaction for the rest.
    Triggers and indexes are dropped with the old table and made again on the new one.
    """
    op.execute("COMMIT")
    op.execute("PRAGMA foreign_keys=OFF")
    op.execute("BEGIN IMMEDIATE")
    _transfers_table("_transfers_new", kind_check)
    op.execute(f"INSERT INTO _transfers_new ({TRANSFER_COLUMNS}) SELECT {TRANSFER_COLUMNS} FROM transfers")
    op.execute("DROP TABLE transfers")
    op.execute("ALTER TABLE _transfers_new RENAME TO transfers")
    op.create_index("ix_transfers_credit_account", "transfers", ["credit_account_id", "id"])
    op.create_index("ix_transfers_debit_account", "transfers", ["debit_account_id", "id"])
    op.create_index("ix_transfers_created_at", "transfers", ["created_at"])
    for event in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER transfers_no_{event.lower()} BEFORE {event} ON transfers "
                   f"BEGIN SELECT RAISE(ABORT, 'transfers is append-only'); END")
    problems = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        op.execute("ROLLBACK")
        raise RuntimeError(f"transfers rebuild broke foreign keys: {problems[:5]}")
    op.execute("COMMIT")
    op.execute("PRAGMA foreign_keys=ON")
    op.execute("BEGIN IMMEDIATE")


def _backfill_month_usage() -> None:
    """One row per (resident, item, Shanghai month) of completed redemptions, summed exactly."""
    bind = op.get_bind()
    redemptions = sa.table("redemptions", sa.column("id"), sa.column("resident_id"), sa.column("status"),
                           sa.column("created_at", sa.DateTime(timezone=True)))
    lines = sa.table("redemption_lines", sa.column("redemption_id"), sa.column("item_id"), sa.column("quantity"))
    usage = Counter()
    rows = bind.execute(
        sa.select(redemptions.c.resident_id, lines.c.item_id, redemptions.c.created_at, lines.c.quantity)
        .join(lines, lines.c.redemption_id == redemptions.c.id)
        .where(redemptions.c.status == "completed")
    )
    for resident_id, item_id, created_at, quantity in rows:
        moment = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
        usage[(resident_id, item_id, f"{moment.astimezone(SHANGHAI):%Y-%m}")] += quantity
    table = sa.table("item_month_usage", sa.column("resident_id"), sa.column("item_id"), sa.column("month"),
                     sa.column("quantity"))
    batch = [{"resident_id": r, "item_id": i, "month": m, "quantity": q} for (r, i, m), q in usage.items()]
    for start in range(0, len(batch), 5000):
        op.bulk_insert(table, batch[start:start + 5000])


def upgrade():
    dialect = op.get_bind().dialect.name
    kinds = op.create_table(
        "transfer_kinds",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_transfer_kinds")),
    )
    op.bulk_insert(kinds, [{"code": code, "name": name} for code, name in KINDS])
    if dialect == "postgresql":
        op.drop_constraint(op.f("ck_transfers_known_kind"), "transfers", type_="check")
        op.create_foreign_key(op.f("fk_transfers_kind_transfer_kinds"), "transfers", "transfer_kinds",
                              ["kind"], ["code"])
    else:
        _rebuild_sqlite_transfers(kind_check=False)

    op.add_column("accounts", sa.Column("household_id", sa.Integer(), nullable=True))
    op.create_index("ix_accounts_household_id", "accounts", ["household_id"])

    if dialect == "postgresql":
        op.add_column("redemptions", sa.Column("found_by", sa.String(length=6), server_default="card",
                                               nullable=False))
        op.create_check_constraint(op.f("ck_redemptions_known_found_by"), "redemptions",
                                   "found_by IN ('card', 'search')")
    else:  # SQLite adds a column with its CHECK in place, no rebuild
        op.execute("ALTER TABLE redemptions ADD COLUMN found_by VARCHAR(6) DEFAULT 'card' NOT NULL "
                   "CONSTRAINT ck_redemptions_known_found_by CHECK (found_by IN ('card', 'search'))")

    op.create_table(
        "item_month_usage",
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_item_month_usage_quantity_nonnegative")),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_item_month_usage_item_id_items")),
        sa.ForeignKeyConstraint(["resident_id"], ["users.id"], name=op.f("fk_item_month_usage_resident_id_users")),
        sa.PrimaryKeyConstraint("resident_id", "item_id", "month", name=op.f("pk_item_month_usage")),
    )
    op.create_index("ix_item_month_usage_item_id", "item_month_usage", ["item_id"])
    _backfill_month_usage()


def downgrade():
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_item_month_usage_item_id", table_name="item_month_usage")
    op.drop_table("item_month_usage")
    if dialect == "postgresql":
        op.drop_constraint(op.f("ck_redemptions_known_found_by"), "redemptions", type_="check")
        op.drop_column("redemptions", "found_by")
    else:
        op.execute("ALTER TABLE redemptions DROP COLUMN found_by")
    op.drop_index("ix_accounts_household_id", table_name="accounts")
    op.drop_column("accounts", "household_id")
    if dialect == "postgresql":
        op.drop_constraint(op.f("fk_transfers_kind_transfer_kinds"), "transfers", type_="foreignkey")
        op.create_check_constraint(op.f("ck_transfers_known_kind"), "transfers", OLD_KINDS_CHECK)
    else:
        _rebuild_sqlite_transfers(kind_check=True)
    op.drop_table("transfer_kinds")
