"""Finding people: by name, username, phone or pinyin initials; keeper searches are counted."""

import hashlib

import sqlalchemy as sa
from flask_babel import gettext

from accounts.models import User
from core.errors import RateLimited
from extensions import db


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


PHONE_PREFIX_MIN = 7  # a keeper's phone search: the whole number, or a prefix this long


def people_query(q: str | None, *, include_inactive: bool = True, phone_substring: bool = True) -> sa.Select:
    """Users matching q by name (contains), username, phone or pinyin initials (prefix).

    phone_substring=False (store keepers): a phone matches only whole, or by a prefix of at least
    PHONE_PREFIX_MIN digits, so a masked number cannot be recovered by probing its middle.
    """
    stmt = sa.select(User)
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    q = (q or "").strip()
    if q:
        escaped = _like(q)
        conditions = [
            User.name.ilike(f"%{escaped}%", escape="\\"),
            User.username.ilike(f"{escaped}%", escape="\\"),
            User.name_initials.like(f"{_like(q.lower())}%", escape="\\"),
        ]
        digits = q.replace(" ", "").replace("-", "")
        if digits.isascii() and digits.isdigit() and len(digits) >= 3:
            if phone_substring:
                conditions.append(User.phone.like(f"%{digits}%"))
            else:
                conditions.append(User.phone == digits)
                if len(digits) >= PHONE_PREFIX_MIN:
                    conditions.append(User.phone.like(f"{digits}%"))
        stmt = stmt.where(sa.or_(*conditions))
    return stmt


def search_people(q: str, limit: int = 20, include_inactive: bool = False, searcher: User | None = None) -> list[User]:
    """Up to limit active people matching q (name, username, whole phone or 7-digit prefix, pinyin initials).

    Counter searches are counted per store keeper (the signed-in person unless searcher is given).
    """
    if not (q or "").strip() or "\x00" in q:
        return []
    count_search(searcher if searcher is not None else _signed_in_person())
    stmt = people_query(q[:100], include_inactive=include_inactive, phone_substring=False)
    stmt = stmt.order_by(User.name, User.id).limit(limit)
    return list(db.session.execute(stmt).scalars())


def _signed_in_person() -> User | None:
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user.is_authenticated:
        return current_user
    return None


def count_search(searcher: User | None) -> None:
    """A store keeper (not an admin) may search people KEEPER_SEARCHES_PER_MINUTE times a minute."""
    from flask import current_app
    from limits import parse

    from extensions import limiter

    if searcher is None or searcher.has_role("admin") or not searcher.has_role("store_keeper"):
        return
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return
    rate = parse(f"{config['KEEPER_SEARCHES_PER_MINUTE']}/minute")
    # Namespaced by database: deployments (and test databases) sharing one Redis count apart.
    deployment = hashlib.sha256(str(config["SQLALCHEMY_DATABASE_URI"]).encode()).hexdigest()[:12]
    if not limiter.limiter.hit(rate, "people-search", deployment, str(searcher.id)):
        raise RateLimited(gettext("Too many searches; wait a minute, or scan the member card."))


