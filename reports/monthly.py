"""The monthly public notice (每月公示) of one community: each person's service and points of a month.

Reads only. Service minutes and the points those hours earned come from the kept summary
(points.stats: stats_presence, dim "community", period YYYYMM — the service month, the volunteer's
community when approved); commendations, positive adjustments and completed redemptions of the
Shanghai calendar month are read by indexed range from their own tables for the community's
people, since no per-person monthly summary keeps them. Names are masked (a notice-board page).
"""

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext

from accounts.models import Community, User
from core.errors import ValidationFailed
from core.privacy import mask_name
from core.timeutil import shanghai_month_bounds
from extensions import db
from points.models import Adjustment, Commendation
from points.stats import month_key
from points.stats_models import HoursPresence
from redemption.models import Redemption

MONTH_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}")
MAX_COMMUNITY_ID = 2**31 - 1


@dataclass(frozen=True)
class MonthlyRow:
    user_id: int
    name: str  # masked
    service_minutes: int
    points_earned: int
    points_redeemed: int

    def as_json(self) -> dict:
        return {"name": self.name, "service_minutes": self.service_minutes,
                "points_earned": self.points_earned, "points_redeemed": self.points_redeemed}


@dataclass(frozen=True)
class MonthlyNotice:
    community: Community
    month: date  # the first day
    rows: list[MonthlyRow]

    @property
    def month_label(self) -> str:
        return f"{self.month.year:04d}-{self.month.month:02d}"


def parse_args(community_raw, month_raw) -> tuple[int, date]:
    """community_id (ASCII digits, an existing community) and month (YYYY-MM); 422 naming each bad field."""
    errors = {}
    community_id = month = None
    if community_raw in (None, ""):
        errors["community_id"] = gettext("This field is required.")
    elif not (community_raw.isascii() and community_raw.isdigit() and len(community_raw) <= 10
              and 1 <= int(community_raw) <= MAX_COMMUNITY_ID):
        errors["community_id"] = gettext("Must be an id (a positive whole number).")
    elif db.session.get(Community, int(community_raw)) is None:
        errors["community_id"] = gettext("No such community.")
    else:
        community_id = int(community_raw)
    if month_raw in (None, ""):
        errors["month"] = gettext("This field is required.")
    elif not (month_raw.isascii() and MONTH_PATTERN.fullmatch(month_raw)
              and 1 <= int(month_raw[5:]) <= 12 and int(month_raw[:4]) >= 1970):
        errors["month"] = gettext("Must be a month like 2026-05.")
    else:
        month = date(int(month_raw[:4]), int(month_raw[5:]), 1)
    if errors:
        raise ValidationFailed(errors)
    return community_id, month


def _hours(community_id: int, month: date) -> dict[int, tuple[int, int]]:
    """user id → (service minutes, points from hours) of the service month, from the kept summary."""
    rows = db.session.execute(sa.select(HoursPresence.volunteer_id, HoursPresence.minutes, HoursPresence.points)
                              .where(HoursPresence.period == month_key(month), HoursPresence.dim == "community",
                                     HoursPresence.group_id == community_id, HoursPresence.category == "",
                                     HoursPresence.records > 0))
    return {row.volunteer_id: (int(row.minutes), int(row.points)) for row in rows}


def _summed(model, column, user_column, community_id: int, start, end, *where) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(user_column, sa.func.sum(column)).join(User, User.id == user_column)
        .where(User.community_id == community_id, model.created_at >= start, model.created_at < end, *where)
        .group_by(user_column))
    return {user_id: int(total or 0) for user_id, total in rows}


def monthly_notice(community_id: int, month: date) -> MonthlyNotice:
    """Everyone of the community with service, points earned or points redeemed that month."""
    start, end = shanghai_month_bounds(month)
    hours = _hours(community_id, month)
    commended = _summed(Commendation, Commendation.points, Commendation.user_id, community_id, start, end)
    adjusted = _summed(Adjustment, Adjustment.points, Adjustment.user_id, community_id, start, end,
                       Adjustment.points > 0)
    redeemed = _summed(Redemption, Redemption.total_points, Redemption.resident_id, community_id, start, end,
                       Redemption.status == "completed")
    people = set(hours) | set(commended) | set(adjusted) | set(redeemed)
    names = {row.id: row.name for row in db.session.execute(
        sa.select(User.id, User.name).where(User.id.in_(people)))} if people else {}
    rows = [MonthlyRow(
        user_id=uid, name=mask_name(names.get(uid, "")), service_minutes=hours.get(uid, (0, 0))[0],
        points_earned=hours.get(uid, (0, 0))[1] + commended.get(uid, 0) + adjusted.get(uid, 0),
        points_redeemed=redeemed.get(uid, 0),
    ) for uid in people]
    rows.sort(key=lambda r: (-r.service_minutes, -r.points_earned, r.user_id))
    return MonthlyNotice(community=db.session.get(Community, community_id), month=month, rows=rows)
