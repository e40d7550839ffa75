"""nominations with public notice (公示) and their objections

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "nominations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("nominated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_reason", sa.String(length=500), nullable=True),
        sa.Column("notice_ends", sa.Date(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("commendation_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('nominated', 'in_notice', 'objected', 'rejected', 'granted')",
                           name=op.f("ck_nominations_known_status")),
        sa.CheckConstraint("status NOT IN ('in_notice', 'objected', 'granted') OR notice_ends IS NOT NULL",
                           name=op.f("ck_nominations_posted_has_end")),
        sa.CheckConstraint("nominated_by_id IS NULL OR nominated_by_id <> user_id", name=op.f("ck_nominations_not_self")),
        sa.CheckConstraint("points >= 0", name=op.f("ck_nominations_points_nonnegative")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_nominations_user_id_users")),
        sa.ForeignKeyConstraint(["type_id"], ["commendation_types.id"],
                                name=op.f("fk_nominations_type_id_commendation_types")),
        sa.ForeignKeyConstraint(["nominated_by_id"], ["users.id"], name=op.f("fk_nominations_nominated_by_id_users")),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], name=op.f("fk_nominations_reviewed_by_id_users")),
        sa.ForeignKeyConstraint(["commendation_id"], ["commendations.id"],
                                name=op.f("fk_nominations_commendation_id_commendations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nominations")),
        sa.UniqueConstraint("commendation_id", name=op.f("uq_nominations_commendation_id")),
    )
    op.create_index(op.f("ix_nominations_user_id"), "nominations", ["user_id"])
    op.create_index("ix_nominations_status_notice_ends", "nominations", ["status", "notice_ends"])
    op.create_table(
        "nomination_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("objector_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('upheld', 'dismissed')",
                           name=op.f("ck_nomination_objections_known_outcome")),
        sa.ForeignKeyConstraint(["nomination_id"], ["nominations.id"],
                                name=op.f("fk_nomination_objections_nomination_id_nominations")),
        sa.ForeignKeyConstraint(["objector_id"], ["users.id"], name=op.f("fk_nomination_objections_objector_id_users")),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["users.id"],
                                name=op.f("fk_nomination_objections_resolved_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_objections")),
    )
    op.create_index(op.f("ix_nomination_objections_nomination_id"), "nomination_objections", ["nomination_id"])


def downgrade():
    op.drop_index(op.f("ix_nomination_objections_nomination_id"), table_name="nomination_objections")
    op.drop_table("nomination_objections")
    op.drop_index("ix_nominations_status_notice_ends", table_name="nominations")
    op.drop_index(op.f("ix_nominations_user_id"), table_name="nominations")
    op.drop_table("nominations")
