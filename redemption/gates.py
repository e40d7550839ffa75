"""The policy's redemption gates (API.md "Points policy"), in their order, all before stock:
store_closed_today (not an exchange day), star_required, quarter_limit_exceeded.

The first two are read inside the redemption's write; the quarterly cap is a guard row
(redemption_quarter_usage) that every completed redemption adds one to with a conditional
upsert and a void gives back, so concurrent redemptions never pass the cap.
"""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext

from core.db import dialect_insert
from core.errors import QuarterLimitExceeded, StarRequired, StoreClosedToday
from core.timeutil import SHANGHAI, aware, shanghai_date, shanghai_today
from extensions import db
from points import stars
from policy.current import Policy, current_policy
from redemption.models import QuarterUsage

def quarter_of(moment: datetime | date) -> int:
    """The Shanghai calendar quarter as YYYYQ (2026-03-31 → 20261, 2026-04-01 → 20262)."""
    day = aware(moment).astimezone(SHANGHAI).date() if isinstance(moment, datetime) else moment
    return day.year * 10 + (day.month - 1) // 3 + 1


def _closed_message(policy: Policy) -> str:
    days = "、".join(str(d) for d in policy.exchange_days or ())
    return gettext("Today is not an exchange day (the store exchanges on day %(days)s of each month).", days=days)


def _star_message(policy: Policy) -> str:
    return gettext("Needs to be a %(level)s before redeeming.", level=stars.star_level_name(policy.redeem_min_star))


def _quarter_message(used: int, cap: int) -> str:
    return gettext("This resident has redeemed %(used)s times this quarter (limit %(cap)s).", used=used, cap=cap)


def quarter_used(resident_id: int, quarter: int) -> int:
    return int(db.session.execute(sa.select(QuarterUsage.redemptions).where(
        QuarterUsage.resident_id == resident_id, QuarterUsage.quarter == quarter)).scalar() or 0)


def check_open_and_star(resident_id: int, today: date, policy: Policy) -> None:
    """The first two gates (reads); raise the first that applies."""
    if policy.exchange_days is not None and today.day not in policy.exchange_days:
        raise StoreClosedToday(_closed_message(policy))
    if policy.redeem_min_star > 0 and stars.person_star(resident_id)[2] < policy.redeem_min_star:
        raise StarRequired(_star_message(policy))


def count_redemption(resident_id: int, now: datetime, policy: Policy) -> None:
    """Inside the write: one more redemption this quarter, refused by the database past the cap.

    Counted whatever the policy, so a cap set later counts the quarter's earlier redemptions too.
    """
    table = QuarterUsage.__table__
    quarter = quarter_of(now)
    stmt = dialect_insert(table).values(resident_id=resident_id, quarter=quarter, redemptions=1)
    cap = policy.redemptions_per_quarter
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.resident_id, table.c.quarter],
        set_={"redemptions": table.c.redemptions + 1},
        where=None if cap is None else table.c.redemptions + 1 <= cap,
    ).returning(table.c.redemptions)
    if db.session.execute(stmt).scalar_one_or_none() is None:
        raise QuarterLimitExceeded(_quarter_message(quarter_used(resident_id, quarter), cap))


def enforce_gates(resident_id: int, now: datetime) -> None:
    """All three gates in API.md's order; call first in the redemption's write."""
    policy = current_policy()
    check_open_and_star(resident_id, shanghai_date(now), policy)
    count_redemption(resident_id, now, policy)


def give_back(resident_id: int, created_at: datetime) -> None:
    """A void: the redemption no longer counts toward its quarter."""
    db.session.execute(
        sa.update(QuarterUsage).where(QuarterUsage.resident_id == resident_id,
                                      QuarterUsage.quarter == quarter_of(created_at),
                                      QuarterUsage.redemptions >= 1)
        .values(redemptions=QuarterUsage.redemptions - 1).execution_options(synchronize_session=False))


def counter_gate(resident_id: int) -> str | None:
    """What the counter shows after a card is read and before a basket is built: the first gate that
    would refuse this resident today, in plain words; None when all are open."""
    policy = current_policy()
    try:
        check_open_and_star(resident_id, shanghai_today(), policy)
    except (StoreClosedToday, StarRequired) as refusal:
        return str(refusal.message)
    cap = policy.redemptions_per_quarter
    if cap is not None:
        used = quarter_used(resident_id, quarter_of(shanghai_today()))
        if used >= cap:
            return _quarter_message(used, cap)
    return None


def quarter_note(resident_id: int) -> str | None:
    """"此居民本季度已兑换 N 次（上限 M 次）" when a cap is set, for the counter even before it is reached."""
    cap = current_policy().redemptions_per_quarter
    if cap is None:
        return None
    return _quarter_message(quarter_used(resident_id, quarter_of(shanghai_today())), cap)
