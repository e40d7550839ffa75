"""The policy's redemption gates (API.md "Points policy"), in their order, all before stock:
store_closed_today (not an exchange day), star_required, quarter_limit_exceeded.

The first two are read inside the redemption's write; the quarterly cap is a guard row
(redemption_quarter_usage) that every completed redemption adds one to with a conditional
upsert and a void gives back, so concurrent redemptions never pass the cap.
"""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_babel import gettext

from core.db import dialect_insert
from core.errors import QuarterLimitExceeded, StarRequired, StoreClosedToday
from core.timeutil import SHANGHAI, aware, shanghai_date, shanghai_today
from extensions import db
from points import stars
from policy.current import Policy, current_policy
from policy.services import register_change_hook
from redemption.models import QuarterUsage, Redemption


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


def quarter_bounds(quarter: int) -> tuple[datetime, datetime]:
    """UTC start (inclusive) and end (exclusive) of a Shanghai quarter YYYYQ."""
    year, q = divmod(quarter, 10)
    start = datetime(year, 3 * q - 2, 1, tzinfo=SHANGHAI)
    end = datetime(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=SHANGHAI)
    return start.astimezone(UTC), end.astimezone(UTC)


def _completed_in(resident_id: int, quarter: int):
    """The resident's completed redemptions in that quarter (the (resident_id, created_at) index)."""
    start, end = quarter_bounds(quarter)
    return sa.select(sa.func.count()).select_from(Redemption).where(
        Redemption.resident_id == resident_id, Redemption.status == "completed",
        Redemption.created_at >= start, Redemption.created_at < end).scalar_subquery()


def count_redemption(resident_id: int, now: datetime, policy: Policy) -> None:
    """Inside the write, when a cap is set: one more redemption this quarter, refused past the cap.

    One upsert on the guard row: a first redemption of the quarter seeds it from the completed
    redemptions already there (so those made before the cap was set count too), a later one adds
    one while redemptions + 1 <= cap. Concurrent twins meet on the row's key, so the cap holds.
    Without a cap nothing is counted (and nothing spent on it); switching a cap on forgets the
    quarter's rows (reset_on_cap), which then seed again from the redemptions themselves.
    """
    cap = policy.redemptions_per_quarter
    if cap is None:
        return
    table = QuarterUsage.__table__
    quarter = quarter_of(now)
    done = _completed_in(resident_id, quarter)
    seed = sa.select(sa.literal(resident_id), sa.literal(quarter), done + 1).where(done + 1 <= cap)
    stmt = dialect_insert(table).from_select(["resident_id", "quarter", "redemptions"], seed)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.resident_id, table.c.quarter],
        set_={"redemptions": table.c.redemptions + 1},
        where=table.c.redemptions + 1 <= cap,
    ).returning(table.c.redemptions)
    if db.session.execute(stmt).scalar_one_or_none() is None:
        used = quarter_used(resident_id, quarter) or db.session.execute(sa.select(done)).scalar_one()
        raise QuarterLimitExceeded(_quarter_message(used, cap))


def reset_on_cap(old: Policy, new: Policy) -> None:
    """A cap switched on: this quarter's rows may have missed redemptions made without one; drop them."""
    if old.redemptions_per_quarter is None and new.redemptions_per_quarter is not None:
        db.session.execute(sa.delete(QuarterUsage).where(QuarterUsage.quarter == quarter_of(shanghai_today())))


register_change_hook(reset_on_cap)


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
        used = redemptions_this_quarter(resident_id)
        if used >= cap:
            return _quarter_message(used, cap)
    return None


def quarter_note(resident_id: int) -> str | None:
    """"此居民本季度已兑换 N 次（上限 M 次）" when a cap is set, for the counter even before it is reached."""
    cap = current_policy().redemptions_per_quarter
    if cap is None:
        return None
    return _quarter_message(redemptions_this_quarter(resident_id), cap)


def redemptions_this_quarter(resident_id: int) -> int:
    """Completed redemptions this Shanghai quarter, as the counter shows them (a read, no guard row needed)."""
    return int(db.session.execute(sa.select(_completed_in(resident_id, quarter_of(shanghai_today())))).scalar_one())
