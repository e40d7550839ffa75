"""The approvals page's filters (team, activity, community, service dates) and its decided lists.

Filters come from the query string, strictly (ASCII digits, ISO dates), and are kept in the URL.
Every query keeps hour_records.status in its WHERE so that it walks an index on status
(ix_hour_records_status_id for the queue, _status_decided for the decided lists, _status_activity
for the activity picker): the queue never scans the table, whatever the filters.
"""

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import joinedload, selectinload

from accounts.models import Community
from core.validate import parse_id
from extensions import db
from points.models import Activity, HourRecord, Team

DECIDED_KINDS = ("rejected", "reversed")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FIELD_NAMES = ("team_id", "activity_id", "community_id", "since", "until", "decided")


@dataclass(frozen=True)
class ApprovalFilters:
    team_id: int | None = None
    activity_id: int | None = None
    community_id: int | None = None
    since: date | None = None
    until: date | None = None
    decided: str = "rejected"  # which decided list is shown: rejected (withdrawn included) or reversed

    def args(self) -> dict:
        """The filters as query-string values, for links that keep them."""
        values = {"team_id": self.team_id, "activity_id": self.activity_id, "community_id": self.community_id,
                  "since": self.since.isoformat() if self.since else None,
                  "until": self.until.isoformat() if self.until else None,
                  "decided": self.decided if self.decided != "rejected" else None}
        return {k: v for k, v in values.items() if v is not None}

    @property
    def narrowed(self) -> bool:
        return any((self.team_id, self.activity_id, self.community_id, self.since, self.until))


def _day(raw: str):
    if not _ISO_DAY.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def parse_filters(args) -> tuple[ApprovalFilters, dict]:
    """(filters, {field: message}); a bad value is left out of the filters and named in the messages."""
    values, errors = {}, {}
    lookups = {"team_id": (Team, gettext("No such team.")), "activity_id": (Activity, gettext("No such activity.")),
               "community_id": (Community, gettext("No such community."))}
    for name, (model, missing) in lookups.items():
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        number = parse_id(raw)
        if number is None or db.session.get(model, number) is None:
            errors[name] = missing
        else:
            values[name] = number
    for name in ("since", "until"):
        raw = (args.get(name) or "").strip()
        if raw:
            day = _day(raw)
            if day is None:
                errors[name] = gettext("Must be a date like 2026-05-01.")
            else:
                values[name] = day
    if values.get("since") and values.get("until") and values["since"] > values["until"]:
        errors["until"] = gettext("The end date is before the start date.")
        values.pop("until")
    decided = (args.get("decided") or "rejected").strip()
    if decided not in DECIDED_KINDS:
        errors["decided"] = gettext("Choose rejected or reversed records.")
        decided = "rejected"
    return ApprovalFilters(**values, decided=decided), errors


def narrow(stmt: sa.Select, f: ApprovalFilters) -> sa.Select:
    """The filters on a SELECT of HourRecord (joins added only when a filter needs them)."""
    if f.activity_id:
        stmt = stmt.where(HourRecord.activity_id == f.activity_id)
    if f.since:
        stmt = stmt.where(HourRecord.service_date >= f.since)
    if f.until:
        stmt = stmt.where(HourRecord.service_date <= f.until)
    if f.team_id or f.community_id:
        stmt = stmt.join(Activity, Activity.id == HourRecord.activity_id)
        if f.team_id:
            stmt = stmt.where(Activity.team_id == f.team_id)
        if f.community_id:
            stmt = stmt.where(Activity.team_id.in_(sa.select(Team.id).where(Team.community_id == f.community_id)))
    return stmt


def pending_queue(f: ApprovalFilters, limit: int = 200) -> list[HourRecord]:
    """Pending records matching the filters, oldest first."""
    stmt = narrow(sa.select(HourRecord).where(HourRecord.status == "pending"), f)
    return list(db.session.execute(stmt.order_by(HourRecord.id).limit(limit).options(
        joinedload(HourRecord.activity).joinedload(Activity.team), joinedload(HourRecord.volunteer))).scalars())


def decided_page(f: ApprovalFilters, status: str, page: int, per_page: int = 20):
    """One page of decided records of one status matching the filters, newest decision first."""
    stmt = narrow(sa.select(HourRecord).where(HourRecord.status == status), f)
    stmt = stmt.order_by(HourRecord.decided_at.desc(), HourRecord.id.desc()).options(
        selectinload(HourRecord.activity), selectinload(HourRecord.volunteer))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def choices() -> dict:
    """What the filter pickers offer: teams, communities, and the activities that have pending records."""
    with_pending = (sa.select(HourRecord.activity_id).where(HourRecord.status == "pending")
                    .distinct().limit(200).scalar_subquery())
    # Plain rows of the columns the pickers show: a city has thousands of teams, and loading
    # each as an ORM object cost more than the rest of the page.
    return {
        "teams": db.session.execute(sa.select(Team.id, Team.name).order_by(Team.name)).all(),
        "communities": db.session.execute(sa.select(Community.id, Community.name).order_by(Community.name)).all(),
        "activities": db.session.execute(
            sa.select(Activity.id, Activity.date, Activity.title).where(Activity.id.in_(with_pending))
            .order_by(Activity.date.desc(), Activity.id.desc())).all(),
    }
