"""Factories for the audit and reports tests: rows written directly with the models (inside
core.db.run_write), so these tests do not depend on other areas' services."""

import itertools
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from accounts.models import Community, Grid, User
from core.db import run_write
from core.templating import NAV
from extensions import db
from points import ledger, stats
from points.models import Activity, DifficultyLevel, HourRecord, PointsRule, Team
from redemption.models import Item, Store

_n = itertools.count(1)


def stub_missing_endpoints(app) -> None:
    """Give the navigation's endpoints that other areas have not built yet a placeholder route,
    so base.html renders. A no-op once those areas land."""
    wanted = [endpoint for endpoint, _, _ in NAV] + ["points.home", "accounts.set_language", "accounts.sign_out"]
    for endpoint in wanted:
        if endpoint not in app.view_functions:
            app.add_url_rule(f"/_stub/{endpoint}", endpoint=endpoint, view_func=lambda: "stub")


def make_place(app, community: str | None = None, grid: str | None = None) -> tuple[int, int | None]:
    """A community (and optionally a grid in it); returns (community_id, grid_id)."""
    with app.app_context():
        def work():
            c = Community(name=community or f"社区{next(_n)}")
            db.session.add(c)
            db.session.flush()
            g = None
            if grid:
                g = Grid(community_id=c.id, name=grid)
                db.session.add(g)
                db.session.flush()
            return c.id, (g.id if g else None)
        return run_write(work)


def place_user(app, user_id: int, community_id: int | None, grid_id: int | None = None,
               opt_out: bool = False) -> None:
    with app.app_context():
        def work():
            user = db.session.get(User, user_id)
            user.community_id, user.grid_id, user.honour_roll_opt_out = community_id, grid_id, opt_out
        run_write(work)


def make_activity(app, day: date, category: str = "环境卫生", team: str | None = None) -> tuple[int, int]:
    """A team and an activity of it on day; returns (team_id, activity_id)."""
    with app.app_context():
        def work():
            t = Team(name=team or f"服务队{next(_n)}")
            db.session.add(t)
            db.session.flush()
            level = db.session.execute(sa.select(DifficultyLevel).where(DifficultyLevel.code == "normal")).scalar_one()
            a = Activity(team_id=t.id, title="清扫", date=day, category=category, difficulty_id=level.id)
            db.session.add(a)
            db.session.flush()
            return t.id, a.id
        return run_write(work)


def make_hours(app, activity_id: int, volunteer_id: int, logged_by_id: int, minutes: int, day: date,
               status: str = "approved") -> int:
    """An hour record at 10 points per hour; approved ones also credit the points."""
    points = minutes * 10 // 60
    with app.app_context():
        rule_id = db.session.execute(sa.select(sa.func.max(PointsRule.id))).scalar_one()

        def work():
            record = HourRecord(
                activity_id=activity_id, volunteer_id=volunteer_id, minutes=minutes, service_date=day,
                points=points, points_per_hour=10, multiplier=Decimal("1.00"), rule_version=rule_id,
                status=status, logged_by_id=logged_by_id)
            db.session.add(record)
            db.session.flush()
            if status == "approved" and points:
                ledger.issue_to_user(user_id=volunteer_id, amount=points, kind="hours_award",
                                     key=f"hours:{record.id}", body_hash=ledger.request_hash(record.id),
                                     actor_id=logged_by_id, memo="", source_type="hour_records",
                                     source_id=record.id)
            if status == "approved":  # as points/hours.py does at approval
                stats.hours_changed([stats.HoursDelta(volunteer_id, activity_id, day, minutes, points, +1)])
            return record.id
        return run_write(work)


def make_store(app, name: str | None = None) -> int:
    with app.app_context():
        def work():
            label = name or f"积分超市{next(_n)}"
            store = Store(name=label, account_id=ledger.open_store_account(label))
            db.session.add(store)
            db.session.flush()
            return store.id
        return run_write(work)


def make_item(app, store_id: int, name: str, stock: int, active: bool = True) -> int:
    with app.app_context():
        def work():
            item = Item(store_id=store_id, name=name, price=10, stock=stock, active=active)
            db.session.add(item)
            db.session.flush()
            return item.id
        return run_write(work)


def redeem_points(app, store_id: int, resident_id: int, amount: int, key: str) -> int:
    """A redemption transfer (resident → store account); returns the transfer id."""
    with app.app_context():
        account_id = db.session.get(Store, store_id).account_id
        return run_write(lambda: ledger.take_from_user(
            user_id=resident_id, amount=amount, kind="redemption", key=key,
            body_hash=ledger.request_hash(key), actor_id=None, memo="", source_type="redemptions",
            source_id=1, to_account_id=account_id).id)


def reverse_transfer(app, transfer_id: int, key: str) -> None:
    with app.app_context():
        run_write(lambda: ledger.reverse(transfer_id, key=key, actor_id=None, memo="undo"))
