"""Filtering the audit trail: the viewer's form, the API's query string, one WHERE builder."""

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import NumberRange, Optional, Regexp, ValidationError

from accounts.models import User
from audit.models import AuditEvent
from core.errors import ValidationFailed
from core.timeutil import shanghai_day_bounds
from core.validate import MAX_ID, StrictIntegerField
from extensions import db

ACTION_PATTERN = r"[A-Za-z0-9_.\-]{1,60}"
SUBJECT_PATTERN = r"[A-Za-z0-9_]{1,40}"


@dataclass(frozen=True)
class AuditFilters:
    """Already-validated filters; every one optional."""

    actor_id: int | None = None
    actor_username: str | None = None
    action: str | None = None  # exact, or a prefix when it ends with "."
    subject_type: str | None = None
    subject_id: int | None = None
    since: datetime | None = None  # inclusive, UTC
    until: datetime | None = None  # exclusive, UTC


def events_query(filters: AuditFilters) -> sa.Select:
    """SELECT AuditEvent (and the actor's username) matching filters; the caller orders it."""
    stmt = sa.select(AuditEvent, User.username).outerjoin(User, User.id == AuditEvent.actor_id)
    return stmt.where(*conditions(filters))


def conditions(filters: AuditFilters) -> list:
    """The WHERE clauses for filters."""
    where = []
    if filters.actor_id is not None:
        where.append(AuditEvent.actor_id == filters.actor_id)
    if filters.actor_username:
        # Resolved first, so the events are read along (actor_id, id) with no subquery.
        actor_id = actor_id_of(filters.actor_username)
        where.append(AuditEvent.actor_id == actor_id if actor_id is not None else sa.false())
    if filters.action:
        if filters.action.endswith("."):
            # A range, not LIKE, so both databases read the (action, id) index; "/" follows ".".
            where.append(AuditEvent.action >= filters.action)
            where.append(AuditEvent.action < filters.action[:-1] + "/")
        else:
            where.append(AuditEvent.action == filters.action)
    if filters.subject_type:
        where.append(AuditEvent.subject_type == filters.subject_type)
    if filters.subject_id is not None:
        where.append(AuditEvent.subject_id == filters.subject_id)
    if filters.since is not None:
        where.append(AuditEvent.at >= filters.since)
    if filters.until is not None:
        where.append(AuditEvent.at < filters.until)
    return where


MAX_PREFIX_ACTIONS = 100


def actions_with_prefix(prefix: str) -> list[str]:
    """The distinct actions starting with prefix, one index seek each (a loose index scan)."""
    found: list[str] = []
    upper = prefix[:-1] + "/"
    while len(found) < MAX_PREFIX_ACTIONS:
        after = AuditEvent.action > found[-1] if found else AuditEvent.action >= prefix
        following = db.session.execute(
            sa.select(sa.func.min(AuditEvent.action)).where(after, AuditEvent.action < upper)).scalar()
        if following is None:
            break
        found.append(following)
    return found


def newest_first(filters: AuditFilters, before: int | None, limit: int) -> sa.Select:
    """The viewer's page: events (and usernames) matching filters with id < before, newest first.

    An action prefix covers several actions, and no index yields their union in id order; so
    each action's newest `limit` ids come from the (action, id) index and only those are sorted.
    """
    if not (filters.action and filters.action.endswith(".")):
        stmt = events_query(filters)
        if before is not None:
            stmt = stmt.where(AuditEvent.id < before)
        return stmt.order_by(AuditEvent.id.desc()).limit(limit)
    rest = replace(filters, action=None)
    where = conditions(rest) + ([AuditEvent.id < before] if before is not None else [])
    branches = [
        sa.select(AuditEvent.id).where(*where, AuditEvent.action == action)
        .order_by(AuditEvent.id.desc()).limit(limit).subquery()
        for action in actions_with_prefix(filters.action)
    ]
    if not branches:
        return events_query(rest).where(sa.false()).limit(limit)
    ids = sa.union_all(*[sa.select(branch.c.id) for branch in branches])
    return events_query(rest).where(AuditEvent.id.in_(ids)).order_by(AuditEvent.id.desc()).limit(limit)


def actor_id_of(username: str) -> int | None:
    """The id of the person with this username, ignoring case; the exact spelling uses the unique index."""
    found = db.session.execute(sa.select(User.id).where(User.username == username)).scalar()
    if found is None:
        found = db.session.execute(
            sa.select(User.id).where(sa.func.lower(User.username) == username.lower()).limit(1)).scalar()
    return found


def _check_plausible(day: date | None) -> None:
    """Year 1 or 9999 would overflow when turned into Shanghai day bounds."""
    if day is not None and not date(1900, 1, 1) <= day <= date(9000, 1, 1):
        raise ValidationError(gettext("Enter a date between 1900 and 9000."))


# ---- the HTML viewer: a GET form ----------------------------------------------------------

class AuditFilterForm(FlaskForm):
    """The viewer's filters, read from the query string (no CSRF on a GET)."""

    class Meta:
        csrf = False

    actor = StringField(_l("Actor (username)"), validators=[
        Optional(), Regexp(r"^[A-Za-z0-9._\-]{1,40}$", message=_l("Enter a username."))])
    action = StringField(_l("Action"), validators=[
        Optional(), Regexp(f"^{ACTION_PATTERN}$", message=_l("Letters, digits, '.', '_' or '-'."))],
        description=_l("Exact, or a prefix ending with a dot, e.g. hours."))
    subject_type = StringField(_l("Subject type"), validators=[
        Optional(), Regexp(f"^{SUBJECT_PATTERN}$", message=_l("Letters, digits or '_'."))])
    subject_id = StrictIntegerField(_l("Subject id"), validators=[
        Optional(), NumberRange(min=1, max=MAX_ID)])
    since = DateField(_l("From (date)"), validators=[Optional()])
    until = DateField(_l("To (date)"), validators=[Optional()])

    def validate_since(self, field):
        _check_plausible(field.data)

    def validate_until(self, field):
        _check_plausible(field.data)
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(gettext("Must not be before the start date."))

    def to_filters(self) -> AuditFilters:
        """The validated values as AuditFilters (call after validate())."""
        return AuditFilters(
            actor_username=(self.actor.data or "").strip() or None,
            action=(self.action.data or "").strip() or None,
            subject_type=(self.subject_type.data or "").strip() or None,
            subject_id=self.subject_id.data,
            since=shanghai_day_bounds(self.since.data)[0] if self.since.data else None,
            until=shanghai_day_bounds(self.until.data)[1] if self.until.data else None,
        )

    def query_args(self) -> dict:
        """The filters as query-string values, to carry into pager and export links."""
        args = {}
        for name in ("actor", "action", "subject_type", "subject_id", "since", "until"):
            value = getattr(self, name).data
            if value not in (None, ""):
                args[name] = value.isoformat() if isinstance(value, date) else value
        return args


# ---- the JSON API: actor_id, action, since ------------------------------------------------

def api_filters(args) -> AuditFilters:
    """Filters from the API query string; ValidationFailed (422) names each bad one."""
    errors: dict[str, str] = {}
    actor_id = action = since = None
    raw = args.get("actor_id")
    if raw not in (None, ""):
        if raw.isascii() and raw.isdigit() and len(raw) <= 16 and 1 <= int(raw) <= MAX_ID:
            actor_id = int(raw)
        else:
            errors["actor_id"] = gettext("Must be a user id (a whole number).")
    raw = args.get("action")
    if raw not in (None, ""):
        if re.fullmatch(ACTION_PATTERN, raw):
            action = raw
        else:
            errors["action"] = gettext("An action like hours.approved, or a prefix ending with a dot.")
    raw = args.get("since")
    if raw not in (None, ""):
        since = parse_since(raw)
        if since is None:
            errors["since"] = gettext("Must be a date (2026-05-01) or a date and time with offset.")
    if errors:
        raise ValidationFailed(errors)
    return AuditFilters(actor_id=actor_id, action=action, since=since)


def parse_since(raw: str) -> datetime | None:
    """A Shanghai calendar day or an ISO 8601 moment with offset, as UTC; None when invalid."""
    text = raw.strip()
    if len(text) > 40 or not text.isascii():
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return shanghai_day_bounds(date.fromisoformat(text))[0]
        except (ValueError, OverflowError):
            return None
    # An unencoded "+08:00" arrives as " 08:00": put the plus sign back.
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", text)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})", text):
        return None
    try:
        moment = datetime.fromisoformat(text)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
