"""Service endpoints: health check and the OpenAPI document."""

import sqlalchemy as sa
from flask import Blueprint, jsonify

from extensions import db

bp = Blueprint("meta", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, even before init-db."""
    try:
        with db.engine.connect() as connection:  # no ORM session: a probe needs none
            connection.execute(sa.text("SELECT 1"))
    except Exception:  # any database failure means unhealthy, never a 500 page
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})


@bp.get("/api/v1/openapi.json")
def openapi():
    """The machine-readable contract of the whole API."""
    from core.openapi import build_document

    return jsonify(build_document())
