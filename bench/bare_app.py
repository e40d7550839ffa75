"""The floor: a bare Flask app answering /healthz and GET /api/v1/me like Jifen, from the same database.

No extensions, no ORM: one SQLAlchemy Core engine and the fewest statements that give the same
JSON. The benchmark serves it with the same gunicorn settings as Jifen, so the ratio between the
two is the cost of Jifen's per-request work (sessions, locale, headers, authentication).

    DATABASE_URL=... gunicorn -w 4 'bench.bare_app:create_app()'
"""

import hashlib
import os
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, jsonify, request

metadata = sa.MetaData()
users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("username", sa.String),
    sa.Column("name", sa.String), sa.Column("card_code", sa.String),
    sa.Column("community_id", sa.Integer), sa.Column("active", sa.Boolean),
)
user_roles = sa.Table("user_roles", metadata, sa.Column("user_id", sa.Integer), sa.Column("role", sa.String))
api_tokens = sa.Table(
    "api_tokens", metadata, sa.Column("user_id", sa.Integer), sa.Column("token_hash", sa.String),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
)
accounts = sa.Table(
    "accounts", metadata, sa.Column("user_id", sa.Integer),
    sa.Column("credits_posted", sa.BigInteger), sa.Column("debits_posted", sa.BigInteger),
)

ME = (
    sa.select(users.c.id, users.c.username, users.c.name, users.c.card_code, users.c.community_id,
              users.c.active, (accounts.c.credits_posted - accounts.c.debits_posted).label("balance"))
    .select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id)
                 .outerjoin(accounts, accounts.c.user_id == users.c.id))
    .where(api_tokens.c.token_hash == sa.bindparam("token_hash"), api_tokens.c.expires_at > sa.bindparam("now"))
)
ROLES = sa.select(user_roles.c.role).where(user_roles.c.user_id == sa.bindparam("user_id")).order_by(user_roles.c.role)


def make_engine(url: str) -> sa.Engine:
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):  # the same read settings Jifen uses
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()
    return engine


def create_app(database_url: str | None = None) -> Flask:
    app = Flask(__name__)
    engine = make_engine(database_url or os.environ["DATABASE_URL"])
    app.extensions["bare_engine"] = engine

    @app.get("/healthz")
    def healthz():
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return jsonify({"status": "ok"})

    @app.get("/api/v1/me")
    def me():
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return jsonify({"error": {"code": "not_signed_in", "message": "Sign in first."}}), 401
        digest = hashlib.sha256(token.strip().encode()).hexdigest()
        with engine.connect() as conn:
            row = conn.execute(ME, {"token_hash": digest, "now": datetime.now(UTC)}).first()
            if row is None or not row.active:
                return jsonify({"error": {"code": "not_signed_in", "message": "Sign in first."}}), 401
            roles = list(conn.execute(ROLES, {"user_id": row.id}).scalars())
        return jsonify({
            "id": row.id, "username": row.username, "name": row.name, "roles": roles,
            "balance": row.balance or 0, "card_code": row.card_code, "community_id": row.community_id,
        })

    return app
