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
    # Team and community as lists of activities (IN subqueries, not a join): both databases then
    # read the matching records along (status, activity_id) instead of every record of the status.
    if f.team_id:
        stmt = stmt.where(HourRecord.activity_id.in_(sa.select(Activity.id).where(Activity.team_id == f.team_id)))
    if f.community_id:
        teams = sa.select(Team.id).where(Team.community_id == f.community_id)
        stmt = stmt.where(HourRecord.activity_id.in_(sa.select(Activity.id).where(Activity.team_id.in_(teams))))
    return stmt


def pending_queue(f: ApprovalFilters, limit: int = 200) -> list[HourRecord]:
    """Pending records matching the filters, oldest first."""
    stmt = narrow(sa.select(HourRecord).where(HourRecord.status == "pending"), f)
    return list(db.session.execute(stmt.order_by(HourRecord.id).limit(limit).options(
        joinedload(HourRecord.activity).joinedload(Activity.team), joinedload(HourRecord.volunteer))).scalars())


COUNT_CAP = 10_000  # decided records counted at most; past it the pager says "500+" pages


@dataclass(frozen=True)
class DecidedPage:
    """One page of a decided list with a bounded count (what the pager needs, never a COUNT of millions)."""

    items: list
    page: int
    per_page: int
    total: int  # matching records, counted up to COUNT_CAP
    more: bool  # a record follows this page

    @property
    def capped(self) -> bool:
        return self.total >= COUNT_CAP

    @property
    def pages(self) -> int:
        counted = -(-self.total // self.per_page)
        return max(counted, self.page + 1 if self.more else self.page) if self.capped else counted

    @property
    def pages_label(self) -> str:
        return f"{self.pages}+" if self.capped and self.more else str(self.pages)

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.more)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)


def _by_activity(f: ApprovalFilters) -> bool:
    return bool(f.activity_id or f.team_id or f.community_id)


def decided_page(f: ApprovalFilters, status: str, page: int, per_page: int = 20) -> DecidedPage:
    """One page of decided records of one status matching the filters, newest decision first.

    Narrowed to activities (an activity, a team, a community), the few matching records are
    gathered first along (status, activity_id) and only they are sorted; otherwise the page is a
    walk of the (status, decided_at, id) index. The count stops at COUNT_CAP.
    """
    matching = narrow(sa.select(HourRecord.id, HourRecord.decided_at).where(HourRecord.status == status), f)
    total = db.session.execute(sa.select(sa.func.count()).select_from(
        matching.with_only_columns(HourRecord.id).limit(COUNT_CAP).subquery())).scalar_one()
    if _by_activity(f):
        found = matching.cte("matching").prefix_with("MATERIALIZED")
        stmt = (sa.select(HourRecord).join(found, found.c.id == HourRecord.id)
                .order_by(found.c.decided_at.desc(), found.c.id.desc()))
    else:
        stmt = narrow(sa.select(HourRecord).where(HourRecord.status == status), f).order_by(
            HourRecord.decided_at.desc(), HourRecord.id.desc())
    rows = list(db.session.execute(stmt.limit(per_page + 1).offset((page - 1) * per_page).options(
        selectinload(HourRecord.activity), selectinload(HourRecord.volunteer))).scalars())
    return DecidedPage(rows[:per_page], page, per_page, total, len(rows) > per_page)


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
