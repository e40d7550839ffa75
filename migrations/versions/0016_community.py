"""community: co-building units and contacts, micro-wishes, needs lists, suggestions; users.unit_id

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('name', name=op.f('uq_units_name'))
    )
    op.create_table('needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('completion_note', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(unit_id IS NULL) = (status = 'open')", name=op.f('ck_needs_unit_when_claimed')),
    sa.CheckConstraint("status IN ('open', 'claimed', 'completed', 'confirmed')", name=op.f('ck_needs_known_status')),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['users.id'], name=op.f('fk_needs_claimed_by_id_users')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_needs_community_id_communities')),
    sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'], name=op.f('fk_needs_completed_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_needs_created_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_needs_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_needs'))
    )
    op.create_index("ix_needs_community_id", "needs", ['community_id'])
    op.create_index("ix_needs_completed_by_id", "needs", ['completed_by_id'])
    op.create_index("ix_needs_status_id", "needs", ['status', 'id'])
    op.create_index("ix_needs_unit_id", "needs", ['unit_id'])

    op.create_table('suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_suggestions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestions'))
    )
    op.create_index("ix_suggestions_user_id", "suggestions", ['user_id'])

    op.create_table('unit_contacts',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_contacts_unit_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_unit_contacts_user_id_users')),
    sa.PrimaryKeyConstraint('unit_id', 'user_id', name=op.f('pk_unit_contacts'))
    )
    op.create_index("ix_unit_contacts_user_id", "unit_contacts", ['user_id'])

    op.create_table('wishes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wisher_id', sa.Integer(), nullable=False),
    sa.Column('posted_by_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('claimer_id', sa.Integer(), nullable=True),
    sa.Column('fulfil_note', sa.Text(), nullable=True),
    sa.Column('commendation_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fulfilled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(claimer_id IS NULL) = (status IN ('submitted', 'published'))", name=op.f('ck_wishes_claimer_when_claimed')),
    sa.CheckConstraint("status IN ('submitted', 'published', 'claimed', 'fulfilled', 'closed')", name=op.f('ck_wishes_known_status')),
    sa.CheckConstraint('claimer_id IS NULL OR claimer_id <> wisher_id', name=op.f('ck_wishes_not_own_wish')),
    sa.ForeignKeyConstraint(['claimer_id'], ['users.id'], name=op.f('fk_wishes_claimer_id_users')),
    sa.ForeignKeyConstraint(['commendation_id'], ['commendations.id'], name=op.f('fk_wishes_commendation_id_commendations')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_wishes_community_id_communities')),
    sa.ForeignKeyConstraint(['posted_by_id'], ['users.id'], name=op.f('fk_wishes_posted_by_id_users')),
    sa.ForeignKeyConstraint(['wisher_id'], ['users.id'], name=op.f('fk_wishes_wisher_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wishes'))
    )
    op.create_index("ix_wishes_claimer_id", "wishes", ['claimer_id'])
    op.create_index("ix_wishes_status_id", "wishes", ['status', 'id'])
    op.create_index("ix_wishes_wisher_id", "wishes", ['wisher_id'])

    # In place, no batch rebuild: users has triggers and is referenced everywhere.
    op.add_column("users", sa.Column("unit_id", sa.Integer(), nullable=True))
    op.create_index("ix_users_unit_id", "users", ['unit_id'])
    op.create_index("ix_users_party_member_id", "users", ["party_member", "id"])



def downgrade():
    op.drop_index("ix_users_party_member_id", table_name="users")
    op.drop_index("ix_users_unit_id", table_name="users")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE users DROP COLUMN unit_id")  # native since SQLite 3.35; no rebuild
    else:
        op.drop_column("users", "unit_id")

    op.drop_index("ix_wishes_wisher_id", table_name="wishes")
    op.drop_index("ix_wishes_status_id", table_name="wishes")
    op.drop_index("ix_wishes_claimer_id", table_name="wishes")

    op.drop_table('wishes')
    op.drop_index("ix_unit_contacts_user_id", table_name="unit_contacts")

    op.drop_table('unit_contacts')
    op.drop_index("ix_suggestions_user_id", table_name="suggestions")

    op.drop_table('suggestions')
    op.drop_index("ix_needs_unit_id", table_name="needs")
    op.drop_index("ix_needs_status_id", table_name="needs")
    op.drop_index("ix_needs_completed_by_id", table_name="needs")
    op.drop_index("ix_needs_community_id", table_name="needs")

    op.drop_table('needs')
    op.drop_table('units')
