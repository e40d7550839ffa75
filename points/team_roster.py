"""A team's members with their approved hours and star level, for the lead's team view."""

from dataclasses import dataclass

import sqlalchemy as sa

from accounts.models import User
from extensions import db
from points import stars
from points.models import HourRecord, Team, TeamMember


@dataclass(frozen=True)
class MemberHours:
    user_id: int
    name: str
    username: str
    is_lead: bool
    service_minutes: int
    star: int


def team_members_with_hours(team_id: int) -> list[MemberHours]:
    """Members, most hours first; hours are everything approved, in any team (stars are a person's)."""
    members = db.session.execute(
        sa.select(User.id, User.name, User.username, TeamMember.is_lead)
        .join(TeamMember, TeamMember.user_id == User.id).where(TeamMember.team_id == team_id)
    ).all()
    ids = [m.id for m in members]
    minutes = dict(db.session.execute(
        sa.select(HourRecord.volunteer_id, sa.func.sum(HourRecord.minutes))
        .where(HourRecord.volunteer_id.in_(ids), HourRecord.status == "approved")
        .group_by(HourRecord.volunteer_id)
    ).all()) if ids else {}
    levels = stars.stars_of(ids, {k: int(v) for k, v in minutes.items()})
    rows = [MemberHours(m.id, m.name, m.username, m.is_lead, int(minutes.get(m.id, 0)), levels.get(m.id, 0))
            for m in members]
    return sorted(rows, key=lambda r: (-r.service_minutes, r.name))


def team_or_none(team_id: int) -> Team | None:
    return db.session.get(Team, team_id) if 1 <= team_id <= 2**31 - 1 else None
