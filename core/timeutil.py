"""Time helpers: store UTC, reason about days and months in Asia/Shanghai."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def shanghai_today() -> date:
    """Today's calendar date in Asia/Shanghai."""
    return datetime.now(SHANGHAI).date()


def shanghai_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of a stored moment."""
    return aware(moment).astimezone(SHANGHAI).date()


def shanghai_day_bounds(day: date) -> tuple[datetime, datetime]:
    """UTC start (inclusive) and end (exclusive) of a Shanghai calendar day."""
    start = datetime.combine(day, time.min, SHANGHAI)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def shanghai_month_bounds(day: date) -> tuple[datetime, datetime]:
    """UTC start (inclusive) and end (exclusive) of the Shanghai month containing day."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    start = datetime.combine(first, time.min, SHANGHAI)
    end = datetime.combine(following, time.min, SHANGHAI)
    return start.astimezone(UTC), end.astimezone(UTC)


def to_iso(moment: datetime | None) -> str | None:
    """ISO 8601 with offset, in Asia/Shanghai, for API answers."""
    if moment is None:
        return None
    return aware(moment).astimezone(SHANGHAI).isoformat()
