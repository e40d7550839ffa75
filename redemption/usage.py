"""The monthly-limit guard rows (item_month_usage) rebuilt or checked from the redemptions.

Each row is what a resident took of an item in one Shanghai month, counting completed
redemptions only: redemptions add to it, voids give it back, and this proves the two agree.
"""

from collections import Counter

import sqlalchemy as sa

from extensions import db
from redemption.gates import quarter_of
from redemption.models import ItemMonthUsage, QuarterUsage, Redemption, RedemptionLine
from redemption.requests import usage_month

BATCH = 5000


def _expected() -> Counter:
    usage: Counter = Counter()
    rows = db.session.execute(
        sa.select(Redemption.resident_id, RedemptionLine.item_id, Redemption.created_at, RedemptionLine.quantity)
        .join(RedemptionLine, RedemptionLine.redemption_id == Redemption.id)
        .where(Redemption.status == "completed").execution_options(yield_per=BATCH)
    )
    for resident_id, item_id, created_at, quantity in rows:
        usage[(resident_id, item_id, usage_month(created_at))] += quantity
    return usage


def _expected_quarters() -> Counter:
    """Completed redemptions per resident and Shanghai quarter (the quarterly cap's guard rows)."""
    counts: Counter = Counter()
    for resident_id, created_at in db.session.execute(
            sa.select(Redemption.resident_id, Redemption.created_at).where(Redemption.status == "completed")
            .execution_options(yield_per=BATCH)):
        counts[(resident_id, quarter_of(created_at))] += 1
    return counts


def rebuild_month_usage() -> None:
    """Replace every guard row with the sums of completed redemptions (bulk loads call it; commits)."""
    usage = _expected()
    db.session.execute(sa.delete(ItemMonthUsage))
    batch = [{"resident_id": r, "item_id": i, "month": m, "quantity": q} for (r, i, m), q in usage.items()]
    for start in range(0, len(batch), BATCH):
        db.session.execute(sa.insert(ItemMonthUsage), batch[start:start + BATCH])
    db.session.execute(sa.delete(QuarterUsage))
    batch = [{"resident_id": r, "quarter": q, "redemptions": n} for (r, q), n in _expected_quarters().items()]
    for start in range(0, len(batch), BATCH):
        db.session.execute(sa.insert(QuarterUsage), batch[start:start + BATCH])
    db.session.commit()


def verify_month_usage(limit: int = 50) -> list[str]:
    """Guard rows that disagree with the completed redemptions ([] when all agree)."""
    expected = _expected()
    stored = {(r, i, m): q for r, i, m, q in db.session.execute(
        sa.select(ItemMonthUsage.resident_id, ItemMonthUsage.item_id, ItemMonthUsage.month,
                  ItemMonthUsage.quantity))}
    problems = []
    for key in sorted(set(expected) | {k for k, q in stored.items() if q}):
        if expected.get(key, 0) != stored.get(key, 0):
            resident_id, item_id, month = key
            problems.append(f"monthly usage of item {item_id} by person {resident_id} in {month}: "
                            f"stored {stored.get(key, 0)}, redemptions say {expected.get(key, 0)}")
            if len(problems) >= limit:
                break
    return problems


def verify_quarter_usage(limit: int = 50) -> list[str]:
    """This quarter's guard rows that disagree with the completed redemptions ([] when all agree).

    The rows guard only while a cap is set, and only this quarter's matter (gates.count_redemption
    seeds a missing row from the redemptions); without a cap there is nothing to check.
    """
    from core.timeutil import shanghai_today
    from policy.current import current_policy

    if current_policy().redemptions_per_quarter is None:
        return []
    quarter = quarter_of(shanghai_today())
    stored = {(r, q): n for r, q, n in db.session.execute(
        sa.select(QuarterUsage.resident_id, QuarterUsage.quarter, QuarterUsage.redemptions)
        .where(QuarterUsage.quarter == quarter))}
    expected = {key: n for key, n in _expected_quarters().items() if key in stored}
    problems = []
    for key in sorted(stored):
        if expected.get(key, 0) != stored.get(key, 0):
            problems.append(f"redemptions by person {key[0]} in quarter {key[1]}: stored {stored.get(key, 0)}, "
                            f"redemptions say {expected.get(key, 0)}")
            if len(problems) >= limit:
                break
    return problems
