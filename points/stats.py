"""Service summaries kept in step with the hour records (stub until the reads engineer's version lands)."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class HoursDelta:
    volunteer_id: int
    activity_id: int
    service_date: date
    minutes: int
    points: int
    sign: int  # +1 when a record becomes approved, -1 when an approved record is reversed


def hours_changed(deltas: list[HoursDelta]) -> None:
    """Inside a write: keep the service summaries in step (no-op stub until the reads engineer's version lands)."""
