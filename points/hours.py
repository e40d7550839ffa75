"""Service hours: the use cases others call (see docs/INTERFACES.md), and the readings of hours.

Logging lives in points.hours_log, CSV and roster parsing in points.roster_csv, single decisions
in points.hours_decide and bulk approval in points.hours_bulk; every write is plan → write, and the
24-hour cap is the person_day_minutes guard (points.day_minutes), not a lock.
"""

import sqlalchemy as sa

from extensions import db
from points.day_minutes import rebuild_day_minutes, verify_day_minutes
from points.hours_bulk import BulkOutcome, approve_many
from points.hours_decide import approve_hours, reject_hours, reverse_hours
from points.hours_log import LIVE, MAX_DB_ID, Row, log_hours, reason_of, record_snapshot
from points.models import HourRecord
from points.roster_csv import RosterProblems, import_roster_csv, log_roster

__all__ = [
    "LIVE", "MAX_DB_ID", "BulkOutcome", "RosterProblems", "Row", "approve_hours", "approve_many",
    "import_roster_csv", "log_hours", "log_roster", "reason_of", "rebuild_day_minutes", "record_snapshot",
    "reject_hours", "reverse_hours", "total_service_minutes", "verify_day_minutes",
]


def total_service_minutes(user_id: int) -> int:
    """Approved minutes only; spending points never reduces them."""
    return int(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(HourRecord.minutes), 0)).where(
            HourRecord.volunteer_id == user_id, HourRecord.status == "approved")
    ).scalar_one())
