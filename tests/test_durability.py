"""Every connection is set up so an acknowledged change survives a crash or power cut."""

import sqlalchemy as sa

from extensions import db
from tests.conftest import db_kind


def test_connections_use_durable_settings(app):
    with app.app_context():
        run = lambda sql: db.session.execute(sa.text(sql)).scalar()  # noqa: E731
        if db_kind(app) == "sqlite":
            assert run("PRAGMA journal_mode") == "wal"
            assert run("PRAGMA synchronous") == 2  # FULL
            assert run("PRAGMA foreign_keys") == 1
            assert run("PRAGMA busy_timeout") >= 5000
        else:
            assert run("SHOW synchronous_commit") == "on"
            assert run("SHOW transaction_isolation") == "read committed"
