"""Factories for the policy's tests: set a policy, serve approved hours, redeem, deduct. Plain values out."""

import itertools
from datetime import timedelta
from types import SimpleNamespace

from core.timeutil import shanghai_today
from extensions import db
from points import deductions
from policy.services import set_policy
from redemption import services
from tests.factories import make_user
from tests.factories_points import approve, load_user, make_activity, make_team
from tests.factories_store import give_points, make_item, make_store

_counter = itertools.count(1)
DAY_MINUTES = 1440


def policy(app, admin, **changes) -> int:
    """Set the policy (any subset of its fields) as admin; returns the new version."""
    with app.test_request_context():
        return set_policy(changes, load_user(admin.id)).version


def levels(*hours: int, points: tuple[int, ...] = ()) -> list[dict]:
    """star_levels for a policy: hours per level, optionally points earned per level."""
    return [{"star": n, "hours": h, "points_earned": points[n - 1] if points else 0}
            for n, h in enumerate(hours, start=1)]


def volunteers(app):
    """An admin, a lead and a team with two residents."""
    admin, lead = make_user(app, "admin"), make_user(app, "team_lead")
    a, b = make_user(app), make_user(app)
    team_id = make_team(app, leads=[lead], members=[a, b])
    return SimpleNamespace(admin=admin, lead=lead, a=a, b=b, team_id=team_id)


def serve(app, world, volunteer, minutes: int) -> None:
    """Approved service of that many minutes, spread over past days (at most a day's worth each)."""
    while minutes > 0:
        chunk = min(minutes, DAY_MINUTES)
        day = shanghai_today() - timedelta(days=next(_counter) % 3000 + 1)
        activity_id = make_activity(app, world.team_id, world.lead, day=day)
        from tests.factories_points import log

        approve(app, log(app, activity_id, volunteer, chunk, world.lead), world.admin)
        minutes -= chunk


def shop(app, *, points: int = 100, price: int = 10, stock: int = 5):
    """A store with a keeper, an admin, an item and a resident holding points."""
    keeper, admin, resident = make_user(app, "store_keeper"), make_user(app, "admin"), make_user(app)
    store = make_store(app, keeper.id)
    item_id = make_item(app, store.id, price=price, stock=stock)
    if points:
        give_points(app, resident.id, points)
    return SimpleNamespace(keeper=keeper, admin=admin, resident=resident, store=store, item_id=item_id)


def redeem(app, s, quantity: int = 1, key: str | None = None):
    """A redemption at the counter; returns the receipt (or raises the refusal)."""
    with app.test_request_context():
        return services.redeem(services.RedeemRequest(
            s.store.id, s.resident.id, (services.Line(s.item_id, quantity),),
            key=key or f"policy-test:{next(_counter)}"), load_user(s.keeper.id))


def deduct(app, admin, user_id: int, type_ref: str = "no_show", reason: str = "爽约未到", key: str | None = None):
    with app.test_request_context():
        record = deductions.deduct(user_id, type_ref, reason, load_user(admin.id),
                                   key or f"deduct-test:{next(_counter)}")
        return SimpleNamespace(id=record.id, points=record.points, balance_after=deductions.balance_after(record))


def session_count(app, model) -> int:
    import sqlalchemy as sa

    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def in_chinese(app, msgid: str, chinese: str, **params) -> str:
    """What a Chinese page says for msgid: `chinese`, after checking the catalogue really says so."""
    from flask_babel import gettext

    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert gettext(msgid, **params) == chinese, f"the Chinese catalogue says {gettext(msgid, **params)!r}"
    return chinese
