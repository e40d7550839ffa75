"""Star levels (星级志愿者) from approved service minutes and points earned, never from the balance.

The levels are the policy's (policy.current: by default the national scale, one star at 100
hours, then 300, 600, 1000 and 1500, with no points condition). A level whose points_earned is
above 0 also needs that many points earned (credited by hours, commendations and positive
adjustments, minus their reversals: points.stats keeps it), so spending never demotes anyone.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from extensions import db
from points import stats
from points.ledger_models import Account
from points.stats_models import ALL_TIME, EarnedStat, HoursPresence
from policy.current import StarLevel, current_policy

STAR_LEVEL_NAMES = (_l("one-star volunteer"), _l("two-star volunteer"), _l("three-star volunteer"),
                    _l("four-star volunteer"), _l("five-star volunteer"), _l("six-star volunteer"),
                    _l("seven-star volunteer"), _l("eight-star volunteer"), _l("nine-star volunteer"),
                    _l("ten-star volunteer"))


def star_level_name(star: int) -> str:
    """"一星志愿者" … in the reader's language."""
    return str(STAR_LEVEL_NAMES[star - 1]) if 1 <= star <= len(STAR_LEVEL_NAMES) else str(star)


def _levels(levels) -> tuple[StarLevel, ...]:
    return tuple(levels) if levels is not None else current_policy().star_levels


def reached(level: StarLevel, service_minutes: int, points_earned: int) -> bool:
    return service_minutes >= level.hours * 60 and (level.points_earned <= 0 or points_earned >= level.points_earned)


def star_for(service_minutes: int, points_earned: int = 0, levels=None) -> int:
    """The highest level the person has reached; 0 below the first."""
    return max((lv.star for lv in _levels(levels) if reached(lv, service_minutes, points_earned)), default=0)


def next_level(service_minutes: int, points_earned: int = 0, levels=None) -> dict | None:
    """What the next level still needs: {"star", "minutes", "points"} (0 where met); None at the top."""
    star = star_for(service_minutes, points_earned, levels)
    for level in _levels(levels):
        if level.star > star:
            return {"star": level.star, "minutes": max(0, level.hours * 60 - service_minutes),
                    "points": max(0, level.points_earned - points_earned)}
    return None


def minutes_to_next_star(service_minutes: int, points_earned: int = 0, levels=None) -> int | None:
    """How many more minutes to the next level; None at the top."""
    following = next_level(service_minutes, points_earned, levels)
    return None if following is None else following["minutes"]


def person_star(user_id: int) -> tuple[int, int, int]:
    """(service minutes, points earned, star) from the kept rows: two indexed reads."""
    minutes, earned = stats.service_minutes(user_id), stats.points_earned(user_id)
    return minutes, earned, star_for(minutes, earned)


def earned_of(user_ids: list[int]) -> dict[int, int]:
    """Points earned of several people at once (kept rows)."""
    if not user_ids:
        return {}
    return {u: int(p) for u, p in db.session.execute(
        sa.select(Account.user_id, EarnedStat.points).join(EarnedStat, EarnedStat.account_id == Account.id)
        .where(Account.user_id.in_(user_ids)))}


def minutes_of(user_ids: list[int]) -> dict[int, int]:
    """Approved service minutes of several people at once (the kept all-time rows)."""
    if not user_ids:
        return {}
    p = HoursPresence
    return {u: int(m) for u, m in db.session.execute(sa.select(p.volunteer_id, p.minutes).where(
        p.period == ALL_TIME, p.dim == "total", p.group_id == 0, p.category == "", p.volunteer_id.in_(user_ids)))}


def stars_of(user_ids: list[int], minutes: dict[int, int] | None = None) -> dict[int, int]:
    """Star of each person; pass minutes when already read."""
    minutes = minutes if minutes is not None else minutes_of(user_ids)
    earned = earned_of(user_ids)
    levels = current_policy().star_levels
    return {u: star_for(minutes.get(u, 0), earned.get(u, 0), levels) for u in user_ids}
