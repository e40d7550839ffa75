"""Party members reporting to the community (双报到): suggestions and the annual "四个一" record.

The four items of a year: a suggestion made, a wish claimed, a practical matter done (a need
completed) and volunteer service (approved minutes from the kept summary in points.stats).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import gettext

from accounts.models import User
from audit import service as audit
from community.models import Need, Suggestion, Unit, Wish
from core.db import run_write
from core.errors import ValidationFailed
from core.timeutil import SHANGHAI, shanghai_today, utcnow
from core.validate import Checker, parse_int
from extensions import db
from points.stats_models import HoursPresence

SUGGESTION_MAX = 2000
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass
class MemberYear:
    user_id: int
    name: str
    unit_id: int | None
    unit: str | None
    suggestions: int
    wishes_claimed: int
    needs_completed: int
    service_minutes: int

    def missing(self) -> list[str]:
        """The items of the "四个一" not yet done this year."""
        return [item for item, count in (("suggestions", self.suggestions), ("wishes_claimed", self.wishes_claimed),
                                         ("needs_completed", self.needs_completed),
                                         ("service_minutes", self.service_minutes)) if count == 0]

    def as_json(self) -> dict:
        return {"user_id": self.user_id, "name": self.name, "unit_id": self.unit_id, "unit": self.unit,
                "suggestions": self.suggestions, "wishes_claimed": self.wishes_claimed,
                "needs_completed": self.needs_completed, "service_minutes": self.service_minutes,
                "done": 4 - len(self.missing())}


def make_suggestion(data: dict, actor) -> Suggestion:
    """A signed-in person makes a 合理化建议."""
    c = Checker(data)
    text = c.text("text", max_length=SUGGESTION_MAX)
    c.done()
    table = Suggestion.__table__

    def work() -> int:
        suggestion_id = db.session.execute(sa.insert(table).values(
            user_id=actor.id, text=text, created_at=utcnow()).returning(table.c.id)).scalar_one()
        audit.record("suggestion.made", actor=actor.id, subject_type="suggestions", subject_id=suggestion_id,
                     after={"text": text})
        return suggestion_id

    return db.session.get(Suggestion, run_write(work))


def parse_year(raw: str | None) -> int:
    """?year= as ASCII digits within 2000–2100; absent means this Shanghai year."""
    if raw in (None, ""):
        return shanghai_today().year
    year = parse_int(raw, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    if year is None:
        raise ValidationFailed({"year": gettext("Must be a year from %(a)s to %(b)s.", a=FIRST_YEAR, b=LAST_YEAR)})
    return year


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The Shanghai calendar year as UTC instants [start, end)."""
    start = datetime(year, 1, 1, tzinfo=SHANGHAI).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=SHANGHAI).astimezone(UTC)
    return start, end


def _counts(column, moment, year: int, ids: list[int]) -> dict[int, int]:
    start, end = year_bounds(year)
    rows = db.session.execute(sa.select(column, sa.func.count()).where(
        column.in_(ids), moment >= start, moment < end).group_by(column)).all()
    return {user_id: count for user_id, count in rows}


def annual_record(year: int, *, after_id: int | None = None, limit: int | None = None) -> list[MemberYear]:
    """Each active party member's "四个一" in the year, by unit then name; five queries in all."""
    stmt = (sa.select(User.id, User.name, User.unit_id, Unit.name)
            .outerjoin(Unit, Unit.id == User.unit_id)
            .where(User.party_member.is_(True), User.active.is_(True)))
    if after_id is not None:
        stmt = stmt.where(User.id > after_id)
    stmt = stmt.order_by(User.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    members = db.session.execute(stmt).all()
    ids = [row[0] for row in members]
    if not ids:
        return []
    suggestions = _counts(Suggestion.user_id, Suggestion.created_at, year, ids)
    wishes = _counts(Wish.claimer_id, Wish.claimed_at, year, ids)
    needs = _counts(Need.completed_by_id, Need.completed_at, year, ids)
    minutes = dict(db.session.execute(sa.select(HoursPresence.volunteer_id, HoursPresence.minutes).where(
        HoursPresence.period == year, HoursPresence.dim == "total", HoursPresence.group_id == 0,
        HoursPresence.category == "", HoursPresence.volunteer_id.in_(ids))).all())
    return [MemberYear(uid, name, unit_id, unit_name, suggestions.get(uid, 0), wishes.get(uid, 0),
                       needs.get(uid, 0), int(minutes.get(uid) or 0))
            for uid, name, unit_id, unit_name in members]


def by_unit(records: list[MemberYear]) -> list[tuple[str | None, list[MemberYear], dict]]:
    """Members grouped by unit (no unit last), each group with how many have done each item."""
    groups: dict = {}
    for record in records:
        groups.setdefault(record.unit, []).append(record)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    result = []
    for unit, members in ordered:
        members.sort(key=lambda m: m.name)
        done = {item: sum(1 for m in members if item not in m.missing())
                for item in ("suggestions", "wishes_claimed", "needs_completed", "service_minutes")}
        result.append((unit, members, done))
    return result
