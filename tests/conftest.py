"""Fixtures: every test that takes `app` runs on a file SQLite and on PostgreSQL.

Each database is migrated once per session into a template; each test gets a fresh copy
(a file copy for SQLite, CREATE DATABASE … TEMPLATE for PostgreSQL), so tests never share state.
"""

import os
import shutil
import uuid

os.environ.setdefault("JIFEN_FAST_PASSWORD_HASHES", "1")  # before the app is imported

import psycopg
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import create_app
from extensions import db

PG_ADMIN_URL = os.environ.get("JIFEN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
WANTED = os.environ.get("JIFEN_TEST_DBS", "sqlite,postgresql").split(",")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


def _pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"})
    with app.app_context():
        upgrade()
        db.engine.dispose()


class EnglishClient(FlaskClient):
    """Tests read English text by default; tests/test_i18n.py covers the Chinese default."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")


def require_postgres() -> None:
    """Go on only if PostgreSQL answers. In CI its absence FAILS the test; on a developer's
    machine without PostgreSQL the PostgreSQL half is skipped, saying how to silence it."""
    if _pg_available():
        return
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI and is not reachable at {PG_ADMIN_URL}")
    pytest.skip("PostgreSQL not reachable here; CI runs these (set JIFEN_TEST_DBS=sqlite to silence)")


@pytest.fixture(scope="session")
def worker_tag(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main") + uuid.uuid4().hex[:6]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template(worker_tag):
    require_postgres()
    name = f"jifen_tpl_{worker_tag}"
    _pg_admin(f"DROP DATABASE IF EXISTS {name}")
    _pg_admin(f"CREATE DATABASE {name}")
    _migrate(_pg_url(name))
    yield name
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=[d for d in ("sqlite", "postgresql") if d in WANTED])
def database_url(request, tmp_path):
    """A freshly migrated, empty database of each kind."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "jifen.sqlite3"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"jifen_t_{uuid.uuid4().hex[:12]}"
    _pg_admin(f"CREATE DATABASE {name} TEMPLATE {template}")
    yield _pg_url(name)
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def app(database_url):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,
    })
    app.test_client_class = EnglishClient
    # No app context is held open: Flask-Login and Flask-Babel cache on g, so each
    # test-client request must get its own. Tests open `with app.app_context():` to use services.
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def csrf_app(database_url):
    """An app with CSRF protection on, as in production."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url})
    app.test_client_class = EnglishClient
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def db_kind(app) -> str:
    return sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
