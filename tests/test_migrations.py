"""Migrations: from an EMPTY database to a schema identical to the models, on SQLite and PostgreSQL."""

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from extensions import db
from tests.conftest import WANTED, _pg_admin, _pg_url, require_postgres


@pytest.fixture(params=[d for d in ("sqlite", "postgresql") if d in WANTED])
def empty_database_url(request, tmp_path):
    """A database with nothing in it at all, not even the schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    require_postgres()
    name = f"jifen_empty_{uuid.uuid4().hex[:12]}"
    _pg_admin(f"CREATE DATABASE {name}")
    yield _pg_url(name)
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def empty_app(empty_database_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": empty_database_url})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def schema_diff() -> list:
    """What `flask db migrate` would generate now (types compared too)."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        return compare_metadata(context, db.metadata)


def test_migrations_from_empty_leave_nothing_for_autogenerate(empty_app):
    with empty_app.app_context():
        upgrade()
        diff = schema_diff()

    assert diff == [], "the models and the migrations disagree; add a migration:\n" + "\n".join(map(str, diff))


def test_migrations_seed_the_issuer_the_audit_head_and_the_default_rules(empty_app):
    with empty_app.app_context():
        upgrade()
        issuer = db.session.execute(sa.text("SELECT kind, no_overdraft FROM accounts WHERE id = 1")).one()
        head = db.session.execute(sa.text("SELECT last_id FROM audit_head WHERE id = 1")).scalar_one()
        levels = db.session.execute(sa.text("SELECT code FROM difficulty_levels ORDER BY code")).scalars().all()
        db.session.rollback()

    assert issuer.kind == "issuer" and not issuer.no_overdraft
    assert head == 0
    assert levels == ["hard", "normal", "special", "very_hard"]


def test_migrations_go_down_to_nothing_and_up_again(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        upgrade()
        diff = schema_diff()

    assert tables == set()
    assert diff == []

