"""GET /api/v1/me in two Core statements, like the bare-Flask floor: no ORM objects for a read this small.

The token check is the same as core.api.api_user's (unexpired token, active user); the
roles come in their canonical order and the balance is 0 before a person's first entry.
"""

import sqlalchemy as sa

from accounts.models import ROLES, ApiToken, User, UserRole
from core.api import bearer_token_hash
from core.errors import NotSignedIn
from core.timeutil import utcnow
from extensions import db
from points.ledger_models import Account

_PERSON = (
    sa.select(User.id, User.username, User.name, User.card_code, User.community_id, User.active,
              (Account.credits_posted - Account.debits_posted).label("balance"))
    .select_from(ApiToken)
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(Account, Account.user_id == User.id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.expires_at > sa.bindparam("now"))
)
_ROLES = sa.select(UserRole.role).where(UserRole.user_id == sa.bindparam("user_id"))


def signed_in_summary() -> dict:
    """The bearer token's person as API.md's Me object; NotSignedIn for a missing, expired or inactive one."""
    params = {"token_hash": bearer_token_hash(), "now": utcnow()}
    with db.engine.connect() as connection:  # no ORM session to open and close for two reads
        row = connection.execute(_PERSON, params).first()
        if row is None or not row.active:
            raise NotSignedIn()
        held = set(connection.execute(_ROLES, {"user_id": row.id}).scalars())
    return {
        "id": row.id, "username": row.username, "name": row.name, "roles": [r for r in ROLES if r in held],
        "balance": int(row.balance or 0), "card_code": row.card_code, "community_id": row.community_id,
    }
