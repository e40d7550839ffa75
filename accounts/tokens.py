"""API bearer tokens: random, shown once, stored only as a SHA-256."""

import secrets
from datetime import datetime, timedelta

from flask import current_app

from accounts.models import ApiToken
from core.api import token_hash
from core.timeutil import utcnow
from extensions import db


def issue_token(user_id: int) -> tuple[str, datetime]:
    """A new token for user_id and its expiry; the caller's transaction commits it."""
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(hours=current_app.config["API_TOKEN_HOURS"])
    db.session.add(ApiToken(user_id=user_id, token_hash=token_hash(token), expires_at=expires_at))
    return token, expires_at
