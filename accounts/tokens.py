"""API bearer tokens: random, shown once, stored only as a SHA-256."""

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from accounts.models import ApiToken
from audit import service as audit
from core.api import token_hash
from core.db import run_write
from core.timeutil import utcnow
from extensions import db


def issue_token(user_id: int) -> tuple[str, datetime]:
    """A new token for user_id and its expiry; the caller's transaction commits it."""
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(hours=current_app.config["API_TOKEN_HOURS"])
    db.session.add(ApiToken(user_id=user_id, token_hash=token_hash(token), expires_at=expires_at))
    return token, expires_at


def revoke_token(token: str, user_id: int) -> None:
    """Delete this bearer token of user_id (audited); it stops working at once."""
    hashed = token_hash(token)

    def work() -> None:
        row = db.session.execute(sa.select(ApiToken).where(
            ApiToken.token_hash == hashed, ApiToken.user_id == user_id)).scalar_one_or_none()
        if row is None:
            return
        db.session.delete(row)
        db.session.flush()
        audit.record("auth.token_revoked", actor=user_id, subject_type="users", subject_id=user_id)

    run_write(work)
