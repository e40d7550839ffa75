"""volunteering: open activities with a capacity and times, sign-ups, attendance, certificates

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ACTIVITY_COLUMNS = ("open", "capacity", "starts_at", "ends_at")


def upgrade():
    op.create_table('certificate_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_certificate_counters'))
    )
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('from_date', sa.Date(), nullable=False),
    sa.Column('to_date', sa.Date(), nullable=False),
    sa.Column('service_minutes', sa.Integer(), nullable=False),
    sa.Column('activities', sa.Text(), nullable=False),
    sa.Column('issuer', sa.String(length=100), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('from_date <= to_date', name=op.f('ck_certificates_period_order')),
    sa.CheckConstraint('service_minutes >= 0', name=op.f('ck_certificates_minutes_nonnegative')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_certificates_issued_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certificates_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('number', name=op.f('uq_certificates_number')),
    sa.UniqueConstraint('year', 'serial', name='uq_certificates_year_serial')
    )
    op.create_index("ix_certificates_user_id", "certificates", ["user_id"])

    op.create_table('activity_places',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('signed_up', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint('capacity IS NULL OR signed_up <= capacity', name=op.f('ck_activity_places_within_capacity')),
    sa.CheckConstraint('signed_up >= 0', name=op.f('ck_activity_places_signed_up_nonnegative')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_places_activity_id_activities')),
    sa.PrimaryKeyConstraint('activity_id', name=op.f('pk_activity_places'))
    )
    op.create_table('signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_signups_activity_id_activities')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_signups_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signups')),
    sa.UniqueConstraint('activity_id', 'user_id', name='uq_signups_activity_user')
    )
    op.create_index("ix_signups_user_id", "signups", ["user_id"])

    op.create_table('attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_in_by_id', sa.Integer(), nullable=False),
    sa.Column('checked_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_out_by_id', sa.Integer(), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('hours_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('minutes IS NULL OR minutes >= 0', name=op.f('ck_attendances_minutes_nonnegative')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_attendances_activity_id_activities')),
    sa.ForeignKeyConstraint(['checked_in_by_id'], ['users.id'], name=op.f('fk_attendances_checked_in_by_id_users')),
    sa.ForeignKeyConstraint(['checked_out_by_id'], ['users.id'], name=op.f('fk_attendances_checked_out_by_id_users')),
    sa.ForeignKeyConstraint(['hours_id'], ['hour_records.id'], name=op.f('fk_attendances_hours_id_hour_records')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendances_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendances')),
    sa.UniqueConstraint('activity_id', 'user_id', name='uq_attendances_activity_user')
    )
    op.create_index("ix_attendances_user_id", "attendances", ["user_id"])

    # Plain ADD COLUMN: a batch rebuild of activities on SQLite would trip what references it.
    op.add_column("activities", sa.Column("open", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("activities", sa.Column("capacity", sa.Integer(), nullable=True))
    op.add_column("activities", sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("activities", sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    for table, index in (("attendances", "ix_attendances_user_id"), ("signups", "ix_signups_user_id"),
                         ("certificates", "ix_certificates_user_id")):
        op.drop_index(index, table_name=table)
    for table in ("attendances", "signups", "activity_places", "certificates", "certificate_counters"):
        op.drop_table(table)
    for column in reversed(ACTIVITY_COLUMNS):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE activities DROP COLUMN {column}")  # native since SQLite 3.35; no rebuild
        else:
            op.drop_column("activities", column)
