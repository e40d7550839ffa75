"""Finding the resident at the counter by their member card."""

import sqlalchemy as sa

from accounts.cards import normalise_card_code
from accounts.models import User
from core.errors import InvalidCard
from extensions import db


def find_resident_by_card(raw_code) -> User:
    """The active person holding this card; InvalidCard when malformed, a bad check character or unknown.

    Stands in for accounts.services.find_by_card until that exists.
    """
    code = normalise_card_code(raw_code) if isinstance(raw_code, str) else None
    if code is None:
        raise InvalidCard()
    user = db.session.execute(sa.select(User).where(User.card_code == code)).scalar_one_or_none()
    if user is None or not user.active:
        raise InvalidCard()
    return user
