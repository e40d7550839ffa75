"""Factories for households, gifts and proxies: plain functions returning plain values."""

import sqlalchemy as sa

from accounts import proxies
from accounts.models import User
from core.db import run_write
from extensions import db
from households import services


def _admin_user():
    """A stand-in admin for direct service calls (the services only read id and roles)."""

    class _Admin:
        id = None

        @staticmethod
        def has_role(*roles):
            return "admin" in roles

    return _Admin()


def make_household(app, name: str, *member_ids: int, admin=None) -> int:
    """A household with those members; returns its id."""
    with app.app_context():
        actor = db.session.get(User, admin.id) if admin is not None else _admin_user()
        return services.create_household(name, list(member_ids), actor)


def mark_in_need(app, user_id: int, flag: bool = True) -> None:
    """What the office's PATCH /users in_need does (built on the community branch)."""
    with app.app_context():
        run_write(lambda: db.session.execute(sa.update(User).where(User.id == user_id).values(in_need=flag)),
                  audited=False)


def make_proxy(app, user_id: int, proxy_id: int, admin) -> int:
    """proxy_id becomes an open proxy of user_id, named by admin; returns the relation's id."""
    with app.app_context():
        return proxies.name_proxy(user_id, proxy_id, db.session.get(User, admin.id)).id
