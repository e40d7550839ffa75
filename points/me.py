"""What the signed-in person reads of themself, in prebuilt Core statements: no ORM objects for reads this small.

GET /api/v1/me in one statement (the bare-Flask floor runs two): the token check is the same as
core.api.api_user's (unexpired token, active user), the roles come as one aggregated string and are
put in their canonical order here, the balance is 0 before a person's first entry. It runs outside
a transaction (core.db.READ_ALONE): a single SELECT is consistent by itself.

The resident's home page in three: the figures (balance, service minutes, points earned, unread
messages, the next expiry) as scalar subqueries of one SELECT, the latest entries with their service
days, the latest hour records with their activity and difficulty.
"""

from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa

from accounts.models import ROLES, ApiToken, User, UserRole
from core.api import bearer_token_hash
from core.db import READ_ALONE
from core.errors import NotSignedIn
from core.timeutil import utcnow
from extensions import db
from notifications.services import unread_subquery
from points import stars
from points.entries import recent_entries
from points.ledger_models import Account
from points.lots_models import PointLot
from points.models import Activity, DifficultyLevel, HourRecord
from points.stats_models import ALL_TIME, EarnedStat, HoursPresence

_ROLE_LIST = (sa.select(sa.func.aggregate_strings(UserRole.role, ","))
              .where(UserRole.user_id == User.id).scalar_subquery())
_PERSON = (
    sa.select(User.id, User.username, User.name, User.card_code, User.community_id, User.active,
              (Account.credits_posted - Account.debits_posted).label("balance"), _ROLE_LIST.label("roles"))
    .select_from(ApiToken)
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(Account, Account.user_id == User.id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.expires_at > sa.bindparam("now"))
)


def signed_in_summary() -> dict:
    """The bearer token's person as API.md's Me object; NotSignedIn for a missing, expired or inactive one."""
    params = {"token_hash": bearer_token_hash(), "now": utcnow()}
    with db.engine.connect().execution_options(**READ_ALONE) as connection:  # no ORM session for one read
        row = connection.execute(_PERSON, params).first()
    if row is None or not row.active:
        raise NotSignedIn()
    held = set((row.roles or "").split(","))
    return {
        "id": row.id, "username": row.username, "name": row.name, "roles": [r for r in ROLES if r in held],
        "balance": int(row.balance or 0), "card_code": row.card_code, "community_id": row.community_id,
    }


_USER = sa.bindparam("user_id")
_ACCOUNT_ID = sa.select(Account.id).where(Account.user_id == _USER).scalar_subquery()
_OPEN_LOT = sa.and_(PointLot.account_id == _ACCOUNT_ID, PointLot.remaining > 0)
_SOONEST = sa.select(sa.func.min(PointLot.expires_on)).where(_OPEN_LOT, PointLot.expires_on.is_not(None))
_FIGURES = sa.select(
    _ACCOUNT_ID.label("account_id"),
    sa.select(Account.credits_posted - Account.debits_posted).where(Account.user_id == _USER)
    .scalar_subquery().label("balance"),
    sa.select(HoursPresence.minutes).where(
        HoursPresence.period == ALL_TIME, HoursPresence.dim == "total", HoursPresence.group_id == 0,
        HoursPresence.category == "", HoursPresence.volunteer_id == _USER).scalar_subquery().label("minutes"),
    sa.select(EarnedStat.points).where(EarnedStat.account_id == _ACCOUNT_ID).scalar_subquery().label("earned"),
    unread_subquery(_USER).label("unread"),
    _SOONEST.scalar_subquery().label("expires_on"),
    sa.select(sa.func.sum(PointLot.remaining)).where(_OPEN_LOT, PointLot.expires_on == _SOONEST.scalar_subquery())
    .scalar_subquery().label("expiring"),
)
_MY_RECORDS = (
    sa.select(HourRecord.id, HourRecord.status, HourRecord.withdrawn_at, HourRecord.reason, HourRecord.minutes,
              HourRecord.points_per_hour, HourRecord.multiplier, HourRecord.points, HourRecord.rule_version,
              HourRecord.honour, HourRecord.service_date, Activity.title, DifficultyLevel.name.label("difficulty"))
    .join(Activity, Activity.id == HourRecord.activity_id)
    .join(DifficultyLevel, DifficultyLevel.id == Activity.difficulty_id)
    .where(HourRecord.volunteer_id == _USER)
    .order_by(HourRecord.id.desc())
    .limit(sa.bindparam("limit"))
)


def home_page(user_id: int, entries: int = 10, records: int = 5) -> dict:
    """Everything the resident's home page shows of the person (what points.views.home renders)."""
    figures = db.session.execute(_FIGURES, {"user_id": user_id}).one()
    minutes, earned = int(figures.minutes or 0), int(figures.earned or 0)
    star = stars.star_for(minutes, earned)
    expiry = None
    if figures.expires_on is not None:
        on = figures.expires_on
        expiry = {"on": on.isoformat() if isinstance(on, date) else str(on), "points": int(figures.expiring or 0)}
    return {
        "balance": int(figures.balance or 0), "minutes": minutes, "points_earned": earned, "star": star,
        "star_label": stars.star_level_name(star), "next_star": stars.next_level(minutes, earned),
        "unread": int(figures.unread or 0), "next_expiry": expiry,
        "entries": recent_entries(user_id, entries, account_id=figures.account_id)
        if figures.account_id is not None else [],
        "records": [_record(row) for row in db.session.execute(_MY_RECORDS, {"user_id": user_id, "limit": records})],
    }


def _record(row) -> SimpleNamespace:
    """An hour record as the templates read it (record.activity.title, record.activity.difficulty.name)."""
    values = row._asdict()
    activity = SimpleNamespace(title=values.pop("title"), difficulty=SimpleNamespace(name=values.pop("difficulty")))
    return SimpleNamespace(**values, activity=activity)
