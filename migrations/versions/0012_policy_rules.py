"""the street office's rulebook at work: honour hours, points earned, quarterly counts, deductions

Revision ID: 0012
Revises: 0011

- policy_versions.based_on (unique): two concurrent changes of one version cannot both win.
- hour_records.honour (补录): a plain ADD COLUMN (the table has triggers; no rebuild).
- stats_earned: points each resident account earned (hours, commendations, positive adjustments,
  minus their reversals), backfilled from the transfers; star levels read it.
- redemption_quarter_usage: completed redemptions per person and Shanghai quarter, backfilled;
  the guard row of the quarterly cap.
- deduction_types (two seeded) and deductions. The `deduction` transfer kind was seeded in 0004.
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

EARN_KINDS = "('hours_award', 'commendation', 'adjustment')"


def _quarter_of(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        local = f"timezone('Asia/Shanghai', {column})"
        return f"(CAST(EXTRACT(YEAR FROM {local}) AS INTEGER) * 10 + CAST(EXTRACT(QUARTER FROM {local}) AS INTEGER))"
    return (f"(CAST(strftime('%Y', {column}, '+8 hours') AS INTEGER) * 10"
            f" + (CAST(strftime('%m', {column}, '+8 hours') AS INTEGER) + 2) / 3)")


def upgrade():
    dialect = op.get_bind().dialect.name
    op.add_column("policy_versions", sa.Column("based_on", sa.Integer(), nullable=True))
    op.create_index("uq_policy_versions_based_on", "policy_versions", ["based_on"], unique=True)
    op.add_column("hour_records", sa.Column("honour", sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table(
        "stats_earned",
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_stats_earned")),
    )
    # Credits from the issuer (account 1) of the earning kinds, minus reversals of those credits.
    op.execute(f"""
        INSERT INTO stats_earned (account_id, points)
        SELECT account_id, SUM(points) FROM (
            SELECT credit_account_id AS account_id, amount AS points FROM transfers
            WHERE debit_account_id = 1 AND kind IN {EARN_KINDS}
            UNION ALL
            SELECT r.debit_account_id, -r.amount FROM transfers r JOIN transfers o ON o.id = r.reverses_id
            WHERE r.kind = 'reversal' AND o.debit_account_id = 1 AND o.kind IN {EARN_KINDS}
        ) earned GROUP BY account_id""")

    op.create_table(
        "redemption_quarter_usage",
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("redemptions", sa.Integer(), nullable=False),
        sa.CheckConstraint("redemptions >= 0", name=op.f("ck_redemption_quarter_usage_redemptions_nonnegative")),
        sa.ForeignKeyConstraint(["resident_id"], ["users.id"],
                                name=op.f("fk_redemption_quarter_usage_resident_id_users")),
        sa.PrimaryKeyConstraint("resident_id", "quarter", name=op.f("pk_redemption_quarter_usage")),
    )
    op.execute(f"""
        INSERT INTO redemption_quarter_usage (resident_id, quarter, redemptions)
        SELECT resident_id, {_quarter_of('created_at', dialect)}, COUNT(*) FROM redemptions
        WHERE status = 'completed' GROUP BY resident_id, {_quarter_of('created_at', dialect)}""")

    types = op.create_table(
        "deduction_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.CheckConstraint("points BETWEEN 1 AND 10000", name=op.f("ck_deduction_types_points_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deduction_types")),
        sa.UniqueConstraint("code", name=op.f("uq_deduction_types_code")),
    )
    op.bulk_insert(types, [{"code": "no_show", "name": "爽约未到", "points": 10, "active": True},
                           {"code": "covenant", "name": "违反居民公约", "points": 20, "active": True}])
    op.create_table(
        "deductions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("points > 0", name=op.f("ck_deductions_points_positive")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_deductions_user_id_users")),
        sa.ForeignKeyConstraint(["type_id"], ["deduction_types.id"],
                                name=op.f("fk_deductions_type_id_deduction_types")),
        sa.ForeignKeyConstraint(["made_by_id"], ["users.id"], name=op.f("fk_deductions_made_by_id_users")),
        sa.ForeignKeyConstraint(["transfer_id"], ["transfers.id"], name=op.f("fk_deductions_transfer_id_transfers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deductions")),
    )
    op.create_index(op.f("ix_deductions_user_id"), "deductions", ["user_id"])


def downgrade():
    op.drop_index(op.f("ix_deductions_user_id"), table_name="deductions")
    op.drop_table("deductions")
    op.drop_table("deduction_types")
    op.drop_table("redemption_quarter_usage")
    op.drop_table("stats_earned")
    op.drop_index("uq_policy_versions_based_on", table_name="policy_versions")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE hour_records DROP COLUMN honour")  # native since SQLite 3.35; no rebuild
        op.execute("ALTER TABLE policy_versions DROP COLUMN based_on")
    else:
        op.drop_column("hour_records", "honour")
        op.drop_column("policy_versions", "based_on")
