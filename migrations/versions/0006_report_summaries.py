"""report summaries kept with the writes (hours by service month, points by posting month),
indexes for the hot read queries; backfilled from the existing rows

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_hour_records_status_id", "hour_records", ["status", "id"]),
    ("ix_hour_records_status_decided", "hour_records", ["status", "decided_at", "id"]),
    ("ix_audit_events_actor_newest", "audit_events", ["actor_id", "id"]),
    ("ix_audit_events_action_newest", "audit_events", ["action", "id"]),
]


SQLITE_TRIGGERS = [
    """CREATE TRIGGER stats_residents_role_added AFTER INSERT ON user_roles WHEN NEW.role = 'resident'
    BEGIN UPDATE stats_residents SET residents = residents
        + (SELECT count(*) FROM users WHERE id = NEW.user_id AND active) WHERE id = 1; END""",
    """CREATE TRIGGER stats_residents_role_removed AFTER DELETE ON user_roles WHEN OLD.role = 'resident'
    BEGIN UPDATE stats_residents SET residents = residents
        - (SELECT count(*) FROM users WHERE id = OLD.user_id AND active) WHERE id = 1; END""",
    """CREATE TRIGGER stats_residents_active_changed AFTER UPDATE OF active ON users
    WHEN OLD.active IS NOT NEW.active
    BEGIN UPDATE stats_residents SET residents = residents + (CASE WHEN NEW.active THEN 1 ELSE -1 END)
        * (SELECT count(*) FROM user_roles WHERE user_id = NEW.id AND role = 'resident') WHERE id = 1; END""",
]
POSTGRES_TRIGGERS = [
    """CREATE FUNCTION stats_residents_role_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' AND NEW.role = 'resident' THEN
            UPDATE stats_residents SET residents = residents
                + (SELECT count(*) FROM users WHERE id = NEW.user_id AND active) WHERE id = 1;
        ELSIF TG_OP = 'DELETE' AND OLD.role = 'resident' THEN
            UPDATE stats_residents SET residents = residents
                - (SELECT count(*) FROM users WHERE id = OLD.user_id AND active) WHERE id = 1;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER stats_residents_roles AFTER INSERT OR DELETE ON user_roles
    FOR EACH ROW EXECUTE FUNCTION stats_residents_role_changed()""",
    """CREATE FUNCTION stats_residents_active_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.active IS DISTINCT FROM NEW.active THEN
            UPDATE stats_residents SET residents = residents + (CASE WHEN NEW.active THEN 1 ELSE -1 END)
                * (SELECT count(*) FROM user_roles WHERE user_id = NEW.id AND role = 'resident') WHERE id = 1;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER stats_residents_active AFTER UPDATE OF active ON users
    FOR EACH ROW EXECUTE FUNCTION stats_residents_active_changed()""",
]
POSTGRES_DROPS = [
    "DROP TRIGGER IF EXISTS stats_residents_active ON users",
    "DROP FUNCTION IF EXISTS stats_residents_active_changed()",
    "DROP TRIGGER IF EXISTS stats_residents_roles ON user_roles",
    "DROP FUNCTION IF EXISTS stats_residents_role_changed()",
]


def upgrade():
    op.create_table(
        "stats_hours",
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("dim", sa.String(length=10), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("minutes", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("volunteers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", "dim", "group_id", "category", name="pk_stats_hours"),
    )
    op.create_table(
        "stats_presence",
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("dim", sa.String(length=10), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", "dim", "group_id", "category", "volunteer_id", name="pk_stats_presence"),
    )
    op.create_index("ix_stats_presence_rank", "stats_presence", ["period", "dim", "minutes", "volunteer_id"])
    op.create_table(
        "stats_volunteers",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("volunteer_id", name="pk_stats_volunteers"),
    )
    op.create_index("ix_stats_volunteers_last_day", "stats_volunteers", ["last_day"])
    op.create_table(
        "stats_ledger",
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reverses_kind", sa.String(length=20), nullable=False),
        sa.Column("flow", sa.String(length=3), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "kind", "reverses_kind", "flow", "slot", name="pk_stats_ledger"),
    )
    op.create_table(
        "stats_residents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("residents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stats_residents"),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS:
        op.execute(statement)

    # Backfill with the same bulk SQL as `stats.rebuild()`.
    from points.stats_rebuild import rebuild_on

    rebuild_on(op.get_bind())


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_DROPS:
            op.execute(statement)
    else:
        for name in ("stats_residents_active_changed", "stats_residents_role_removed", "stats_residents_role_added"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_index("ix_stats_volunteers_last_day", table_name="stats_volunteers")
    op.drop_index("ix_stats_presence_rank", table_name="stats_presence")
    for table in ("stats_residents", "stats_ledger", "stats_volunteers", "stats_presence", "stats_hours"):
        op.drop_table(table)
