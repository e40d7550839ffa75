"""server-side web sessions; party_member and in_need flags on users

Revision ID: 0008
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)
    # Plain ADD COLUMNs: a batch rebuild of users on SQLite would trip the triggers that name it.
    op.add_column("users", sa.Column("party_member", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("users", sa.Column("in_need", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    for column in ("in_need", "party_member"):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE users DROP COLUMN {column}")  # native since SQLite 3.35; no rebuild
        else:
            op.drop_column("users", column)
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))
    op.drop_table("web_sessions")
