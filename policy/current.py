"""The policy in force, read once per request: defaults as API.md "Points policy" gives them."""

import json
from dataclasses import asdict, dataclass, field

import sqlalchemy as sa
from flask import g, has_app_context

from extensions import db
from policy.models import PolicyVersion


@dataclass(frozen=True)
class StarLevel:
    star: int
    hours: int
    points_earned: int = 0


DEFAULT_STAR_LEVELS = tuple(StarLevel(star, hours) for star, hours in
                            enumerate((100, 300, 600, 1000, 1500), start=1))


@dataclass(frozen=True)
class Policy:
    version: int = 0  # 0: nobody has set a policy yet; the defaults are in force
    expiry_months: int | None = None  # None: points never expire
    star_levels: tuple[StarLevel, ...] = field(default=DEFAULT_STAR_LEVELS)
    redeem_min_star: int = 0
    redemptions_per_quarter: int | None = None  # None: no cap
    exchange_days: tuple[int, ...] | None = None  # None: every day, else days of the month 1–31
    honour_hours_earn_points: bool = False
    notice_days: int = 7

    def as_json(self) -> dict:
        data = asdict(self)
        data["star_levels"] = [asdict(level) for level in self.star_levels]
        data["exchange_days"] = list(self.exchange_days) if self.exchange_days is not None else None
        return data

    def settings_json(self) -> dict:
        """What a version row stores: everything but the version itself."""
        data = self.as_json()
        del data["version"]
        return data


def policy_from(settings: dict, version: int) -> Policy:
    levels = tuple(StarLevel(int(x["star"]), int(x["hours"]), int(x.get("points_earned", 0)))
                   for x in settings.get("star_levels", [asdict(level) for level in DEFAULT_STAR_LEVELS]))
    days = settings.get("exchange_days")
    return Policy(
        version=version,
        expiry_months=settings.get("expiry_months"),
        star_levels=levels,
        redeem_min_star=int(settings.get("redeem_min_star", 0)),
        redemptions_per_quarter=settings.get("redemptions_per_quarter"),
        exchange_days=tuple(days) if days is not None else None,
        honour_hours_earn_points=bool(settings.get("honour_hours_earn_points", False)),
        notice_days=int(settings.get("notice_days", 7)),
    )


def load_policy() -> Policy:
    """The newest version from the database (one indexed read), or the defaults."""
    row = db.session.execute(
        sa.select(PolicyVersion.id, PolicyVersion.settings).order_by(PolicyVersion.id.desc()).limit(1)
    ).first()
    return Policy() if row is None else policy_from(json.loads(row.settings), row.id)


def newest_version_columns() -> tuple:
    """(id, settings) of the newest version as scalar subqueries, so a hot read (the counter's one
    context query) can carry the policy along instead of a statement of its own; see prime()."""
    newest = sa.select(PolicyVersion.id).order_by(PolicyVersion.id.desc()).limit(1)
    return (newest.scalar_subquery(),
            sa.select(PolicyVersion.settings).order_by(PolicyVersion.id.desc()).limit(1).scalar_subquery())


def prime(version: int | None, settings: str | None) -> None:
    """Cache, for this request, the policy read by newest_version_columns()."""
    if has_app_context() and g.get("_jifen_policy") is None:
        g._jifen_policy = Policy() if version is None else policy_from(json.loads(settings), version)


def current_policy() -> Policy:
    """The policy in force, cached for the request (a change takes effect from the next request)."""
    if has_app_context():
        cached = g.get("_jifen_policy")
        if cached is None:
            cached = g._jifen_policy = load_policy()
        return cached
    return load_policy()


def forget_cached_policy() -> None:
    """After a change in this request, so the answer shows the new version."""
    if has_app_context():
        g.pop("_jifen_policy", None)
