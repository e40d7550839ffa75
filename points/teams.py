"""Volunteer teams: creating them, their members and their leads.

An admin manages every team; a lead of a team may add and remove its plain members.
Naming or removing leads grants or touches roles, so it stays with admins.
"""

import sqlalchemy as sa
from flask_babel import gettext

from accounts.models import Community, User, UserRole
from audit import service as audit
from core.db import run_write
from core.errors import Forbidden, NotFound, NotTeamLead, ValidationFailed
from core.validate import MAX_SAFE_INT
from extensions import db
from points.models import Team, TeamMember

MAX_LEADS = 20


# ---------------------------------------------------------------- reads

def _holds_lead_role():
    """Powers follow roles: a lead mark on a membership counts only while the team_lead role is held."""
    return sa.exists().where(UserRole.user_id == TeamMember.user_id, UserRole.role == "team_lead")


def is_team_lead(user_id: int, team_id: int) -> bool:
    """True when the person is marked as a lead of the team and holds the team_lead role."""
    return db.session.execute(
        sa.select(TeamMember.user_id).where(
            TeamMember.team_id == team_id, TeamMember.user_id == user_id, TeamMember.is_lead.is_(True),
            _holds_lead_role(),
        )
    ).first() is not None


def teams_led_by(user_id: int) -> list[Team]:
    """The teams this person leads (with the team_lead role held), by name."""
    return list(db.session.execute(
        sa.select(Team).join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.user_id == user_id, TeamMember.is_lead.is_(True), _holds_lead_role())
        .order_by(Team.name)
    ).scalars())


def team_member_ids(team_id: int) -> list[int]:
    """Ids of everyone in the team, leads included."""
    return list(db.session.execute(
        sa.select(TeamMember.user_id).where(TeamMember.team_id == team_id).order_by(TeamMember.user_id)
    ).scalars())


def lead_ids(team_id: int) -> list[int]:
    return list(db.session.execute(
        sa.select(TeamMember.user_id)
        .where(TeamMember.team_id == team_id, TeamMember.is_lead.is_(True))
        .order_by(TeamMember.user_id)
    ).scalars())


def team_overview() -> list[dict]:
    """Every team with its community, leads and member count, for the admin list."""
    counts = dict(db.session.execute(
        sa.select(TeamMember.team_id, sa.func.count()).group_by(TeamMember.team_id)
    ).all())
    leads: dict[int, list[User]] = {}
    for team_id, user in db.session.execute(
        sa.select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
        .where(TeamMember.is_lead.is_(True)).order_by(User.name)
    ).all():
        leads.setdefault(team_id, []).append(user)
    rows = db.session.execute(
        sa.select(Team, Community.name).outerjoin(Community, Community.id == Team.community_id)
        .order_by(Team.name)
    ).all()
    return [{"team": team, "community": community, "leads": leads.get(team.id, []),
             "members": counts.get(team.id, 0)} for team, community in rows]


def members_of(team_id: int) -> list[TeamMember]:
    """Memberships with their people, leads first, then by name."""
    return list(db.session.execute(
        sa.select(TeamMember).join(User, User.id == TeamMember.user_id)
        .where(TeamMember.team_id == team_id)
        .order_by(TeamMember.is_lead.desc(), User.name, User.id)
    ).scalars())


# ---------------------------------------------------------------- permission

def check_can_manage(actor, team_id: int) -> None:
    """Admins manage every team, a lead manages members of theirs; others are refused.

    Order per API.md: no role at all → Forbidden, lead of another team → NotTeamLead,
    and only then is the team looked up (NotFound).
    """
    if actor is not None and not actor.has_role("admin"):
        if not actor.has_role("team_lead"):
            raise Forbidden()
        if not is_team_lead(actor.id, team_id):
            raise NotTeamLead()
    if not _valid_id(team_id) or db.session.get(Team, team_id) is None:
        raise NotFound()


def _require_admin(actor) -> None:
    if actor is not None and not actor.has_role("admin"):
        raise Forbidden()


# ---------------------------------------------------------------- writes

def _valid_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_SAFE_INT


def _active_user(user_id) -> User | None:
    user = db.session.get(User, user_id) if _valid_id(user_id) else None
    return user if user is not None and user.active else None


def _grant_lead_role(user: User, actor) -> bool:
    """Give the person the team_lead role if they lack it; True when granted (audited)."""
    if user.has_role("team_lead"):
        return False
    before = list(user.roles)
    user.role_rows.append(UserRole(role="team_lead"))
    db.session.flush()
    audit.record("user.roles_changed", actor=actor, subject=user,
                 before={"roles": before}, after={"roles": user.roles})
    return True


def create_team(name: str, community_id: int | None, lead_ids: list[int], actor) -> Team:
    """A new team; its leads (existing active people) become members marked as leads."""
    _require_admin(actor)
    errors = {}
    clean = name.strip() if isinstance(name, str) else ""
    if not clean or len(clean) > 100 or any(ord(c) < 32 for c in clean):
        errors["name"] = gettext("Enter a team name of at most 100 characters.")
    if community_id is not None and (not _valid_id(community_id) or db.session.get(Community, community_id) is None):
        errors["community_id"] = gettext("No such community.")
    lead_list = list(dict.fromkeys(lead_ids or []))
    if len(lead_list) > MAX_LEADS or any(_active_user(i) is None for i in lead_list):
        errors["lead_ids"] = gettext("Every lead must be an existing, active person.")
    if errors:
        raise ValidationFailed(errors)

    def work() -> Team:
        same_name = sa.or_(Team.name == clean, sa.func.lower(Team.name) == clean.lower())  # SQL lower() is ASCII-only
        if db.session.execute(sa.select(Team.id).where(same_name)).first():
            raise ValidationFailed({"name": gettext("A team with this name exists.")})
        team = Team(name=clean, community_id=community_id)
        db.session.add(team)
        db.session.flush()
        granted = []
        for user_id in lead_list:
            user = db.session.get(User, user_id)
            db.session.add(TeamMember(team_id=team.id, user_id=user_id, is_lead=True))
            if _grant_lead_role(user, actor):
                granted.append(user_id)
        db.session.flush()
        audit.record("team.created", actor=actor, subject=team, after={
            "name": team.name, "community_id": community_id, "lead_ids": lead_list,
            "granted_team_lead_role": granted,
        })
        return team

    return run_write(work)


def add_member(team_id: int, user_id: int, actor) -> TeamMember:
    """Put a person in the team. Adding someone already in it is a no-op returning that membership."""
    check_can_manage(actor, team_id)
    if _active_user(user_id) is None:
        raise ValidationFailed({"user_id": gettext("No such active person.")})

    def work() -> TeamMember:
        existing = db.session.get(TeamMember, (team_id, user_id))
        if existing is not None:
            return existing
        member = TeamMember(team_id=team_id, user_id=user_id, is_lead=False)
        db.session.add(member)
        db.session.flush()
        audit.record("team.member_added", actor=actor, subject_type="teams", subject_id=team_id,
                     after={"user_id": user_id, "is_lead": False})
        return member

    return run_write(work)


def remove_member(team_id: int, user_id: int, actor) -> None:
    """Take a person out of the team. Only an admin removes a lead; a lead never removes themself."""
    check_can_manage(actor, team_id)

    def work() -> None:
        member = db.session.get(TeamMember, (team_id, user_id))
        if member is None:
            raise NotFound()
        if member.is_lead and actor is not None and not actor.has_role("admin"):
            raise Forbidden(gettext("Only an admin can remove a team lead."))
        before = {"user_id": user_id, "is_lead": member.is_lead}
        db.session.delete(member)
        db.session.flush()
        audit.record("team.member_removed", actor=actor, subject_type="teams", subject_id=team_id,
                     before=before)

    run_write(work)


def set_lead(team_id: int, user_id: int, is_lead: bool, actor) -> TeamMember:
    """Mark a member as a lead (granting the team_lead role if needed) or as a plain member."""
    _require_admin(actor)
    if not _valid_id(team_id) or db.session.get(Team, team_id) is None:
        raise NotFound()

    def work() -> TeamMember:
        member = db.session.get(TeamMember, (team_id, user_id))
        if member is None:
            raise NotFound()
        if member.is_lead == is_lead:
            return member
        if is_lead:
            user = db.session.get(User, user_id)
            if not user.active:
                raise ValidationFailed({"user_id": gettext("No such active person.")})
            _grant_lead_role(user, actor)
        member.is_lead = is_lead
        db.session.flush()
        audit.record("team.lead_changed", actor=actor, subject_type="teams", subject_id=team_id,
                     before={"user_id": user_id, "is_lead": not is_lead},
                     after={"user_id": user_id, "is_lead": is_lead})
        return member

    return run_write(work)
