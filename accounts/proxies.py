"""Proxies (代办人): an admin names a family member or grid worker who acts for a resident.

A proxy may read the resident's account and entries and present the resident's card at the
counter (the redemption records who did). The relation is a row of `proxies`; at most one open
row per pair (a partial unique index), ended by setting ended_at with a conditional UPDATE.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from accounts.models import User
from accounts.proxy_models import Proxy
from audit import service as audit
from core.db import run_write
from core.errors import AlreadyProxy, Forbidden, NotFound, ValidationFailed
from core.timeutil import utcnow
from extensions import db

MAX_DB_ID = 2**31 - 1


@dataclass(frozen=True)
class ProxyView:
    id: int
    user_id: int
    proxy_id: int
    proxy_name: str


def _open(user_id: int, proxy_id: int):
    return sa.and_(Proxy.user_id == user_id, Proxy.proxy_id == proxy_id, Proxy.ended_at.is_(None))


def acts_for(proxy_id: int, user_id: int) -> bool:
    """True when proxy_id is an open proxy of user_id (one indexed read)."""
    if not all(isinstance(v, int) and 0 < v <= MAX_DB_ID for v in (proxy_id, user_id)):
        return False
    return db.session.execute(sa.select(Proxy.id).where(_open(user_id, proxy_id))).first() is not None


def open_proxy_name(user_id: int, proxy_id) -> str | None:
    """The name of that open, active proxy of the resident, or None (what the counter's plan checks)."""
    if isinstance(proxy_id, bool) or not isinstance(proxy_id, int) or not 0 < proxy_id <= MAX_DB_ID:
        return None
    return db.session.execute(
        sa.select(User.name).join(Proxy, Proxy.proxy_id == User.id)
        .where(_open(user_id, proxy_id), User.active.is_(True))
    ).scalar_one_or_none()


def proxies_of(user_id: int) -> list[ProxyView]:
    """The resident's open proxies, by name."""
    rows = db.session.execute(
        sa.select(Proxy.id, Proxy.user_id, Proxy.proxy_id, User.name).join(User, User.id == Proxy.proxy_id)
        .where(Proxy.user_id == user_id, Proxy.ended_at.is_(None), User.active.is_(True)).order_by(User.name)
    ).all()
    return [ProxyView(*row) for row in rows]


def people_of(proxy_id: int) -> list[User]:
    """The residents this person is an open proxy for, by name."""
    return list(db.session.execute(
        sa.select(User).join(Proxy, Proxy.user_id == User.id)
        .where(Proxy.proxy_id == proxy_id, Proxy.ended_at.is_(None)).order_by(User.name)
    ).scalars())


def _person(user_id) -> User | None:
    if isinstance(user_id, bool) or not isinstance(user_id, int) or not 0 < user_id <= MAX_DB_ID:
        return None
    return db.session.get(User, user_id)


def _require_admin_for_someone_else(user_id: int, proxy_id, actor) -> None:
    if actor is None or not actor.has_role("admin"):
        raise Forbidden()
    if actor.id in (user_id, proxy_id):
        # Separation of duties: nobody gives themselves a hold on an account, or names their own proxy.
        raise Forbidden(gettext("Another admin must name or end a proxy that involves you."))


def name_proxy(user_id: int, proxy_id, actor) -> ProxyView:
    """Make proxy_id an open proxy of user_id; audited. 409 already_proxy when it already is."""
    _require_admin_for_someone_else(user_id, proxy_id, actor)
    resident = _person(user_id)
    if resident is None:
        raise NotFound()
    proxy = _person(proxy_id)
    if proxy is None or not proxy.active:
        raise ValidationFailed({"proxy_id": gettext("No such active person.")})
    if proxy_id == user_id:
        raise ValidationFailed({"proxy_id": gettext("Nobody is their own proxy.")})
    if acts_for(proxy_id, user_id):
        raise AlreadyProxy()
    now, proxy_name = utcnow(), proxy.name

    def work() -> int:
        table = Proxy.__table__
        new_id = db.session.execute(sa.insert(table).values(
            user_id=user_id, proxy_id=proxy_id, created_at=now, created_by_id=actor.id,
        ).returning(table.c.id)).scalar_one()
        audit.record("proxy.named", actor=actor.id, subject_type="proxies", subject_id=new_id,
                     after={"user_id": user_id, "proxy_id": proxy_id, "proxy_name": proxy_name})
        return new_id

    try:
        new_id = run_write(work)
    except IntegrityError:
        db.session.rollback()
        raise AlreadyProxy() from None  # a concurrent twin named the same proxy first
    return ProxyView(new_id, user_id, proxy_id, proxy_name)


def end_proxy(user_id: int, proxy_id: int, actor) -> None:
    """End the open relation (kept as history); NotFound when there is none."""
    _require_admin_for_someone_else(user_id, proxy_id, actor)
    if _person(user_id) is None or not acts_for(proxy_id, user_id):
        raise NotFound()

    def work() -> None:
        ended = db.session.execute(
            sa.update(Proxy).where(_open(user_id, proxy_id)).values(ended_at=utcnow(), ended_by_id=actor.id)
            .returning(Proxy.id).execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if ended is None:  # ended by someone else meanwhile
            raise NotFound()
        audit.record("proxy.ended", actor=actor.id, subject_type="proxies", subject_id=ended,
                     before={"user_id": user_id, "proxy_id": proxy_id})

    run_write(work)
