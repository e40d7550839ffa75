"""households and their members, proxies (代办人), redemptions.proxy_id

Revision ID: 0017
Revises: 0016

The `gift` transfer kind was already seeded by 0004 and users.in_need came with 0008,
so neither is added here.
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                name=op.f("fk_households_community_id_communities")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_households_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
    )
    op.create_index("ix_households_community_id", "households", ["community_id"])
    # user_id is the primary key: a person is in at most one household, whatever runs concurrently.
    op.create_table(
        "household_members",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"],
                                name=op.f("fk_household_members_household_id_households")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_household_members_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_household_members")),
    )
    op.create_index("ix_household_members_household_id", "household_members", ["household_id"])
    op.create_table(
        "proxies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("proxy_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("user_id <> proxy_id", name=op.f("ck_proxies_not_oneself")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_proxies_user_id_users")),
        sa.ForeignKeyConstraint(["proxy_id"], ["users.id"], name=op.f("fk_proxies_proxy_id_users")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_proxies_created_by_id_users")),
        sa.ForeignKeyConstraint(["ended_by_id"], ["users.id"], name=op.f("fk_proxies_ended_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proxies")),
    )
    # One open relation per pair; ended ones stay as history.
    op.create_index("uq_proxies_open_pair", "proxies", ["user_id", "proxy_id"], unique=True,
                    sqlite_where=sa.text("ended_at IS NULL"), postgresql_where=sa.text("ended_at IS NULL"))
    op.create_index("ix_proxies_proxy_id", "proxies", ["proxy_id"])
    # In place, no batch rebuild: redemptions is referenced and append-mostly.
    op.add_column("redemptions", sa.Column("proxy_id", sa.Integer(), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE redemptions DROP COLUMN proxy_id")  # native since SQLite 3.35; no rebuild
    else:
        op.drop_column("redemptions", "proxy_id")
    op.drop_index("ix_proxies_proxy_id", table_name="proxies")
    op.drop_index("uq_proxies_open_pair", table_name="proxies")
    op.drop_table("proxies")
    op.drop_index("ix_household_members_household_id", table_name="household_members")
    op.drop_table("household_members")
    op.drop_index("ix_households_community_id", table_name="households")
    op.drop_table("households")
