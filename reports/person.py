"""One person on one page, for admins and auditors: balance, entries, hours, redemptions, roles.

Reads only, a bounded number of rows each (the newest first), every query by an indexed key.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from accounts.models import User
from extensions import db
from points import stars, stats
from points.entries import recent_entries
from points.ledger_models import Account
from points.models import Activity, HourRecord
from redemption.models import Redemption

RECENT = 20


@dataclass(frozen=True)
class PersonSummary:
    user: User
    balance: int
    service_minutes: int
    star: int
    entries: list
    hours: list
    redemptions: list


def balance_of(user_id: int) -> int:
    return int(db.session.execute(
        sa.select(Account.credits_posted - Account.debits_posted).where(Account.user_id == user_id)
    ).scalar_one_or_none() or 0)


def person_summary(user_id: int) -> PersonSummary | None:
    user = db.session.execute(
        sa.select(User).where(User.id == user_id)
        .options(selectinload(User.community), selectinload(User.grid))
    ).scalar_one_or_none()
    if user is None:
        return None
    minutes = stats.service_minutes(user_id)  # the kept summary row, not a sum over hour records
    hours = db.session.execute(
        sa.select(HourRecord).where(HourRecord.volunteer_id == user_id)
        .options(joinedload(HourRecord.activity).joinedload(Activity.team))
        .order_by(HourRecord.id.desc()).limit(RECENT)
    ).scalars().all()
    redemptions = db.session.execute(
        sa.select(Redemption).where(Redemption.resident_id == user_id)
        .options(joinedload(Redemption.store)).order_by(Redemption.id.desc()).limit(RECENT)
    ).scalars().all()
    return PersonSummary(user=user, balance=balance_of(user_id), service_minutes=minutes,
                         star=stars.star_for(minutes, stats.points_earned(user_id)), entries=recent_entries(user_id, RECENT),
                         hours=list(hours), redemptions=list(redemptions))
