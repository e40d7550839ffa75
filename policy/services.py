"""Setting the policy: validate every field, insert a new version, audit before/after (one write)."""

import json

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from audit import service as audit
from core.db import run_write
from core.errors import Forbidden, ValidationFailed
from core.timeutil import utcnow
from extensions import db
from policy.current import Policy, StarLevel, current_policy, forget_cached_policy, policy_from
from policy.models import PolicyVersion

FIELDS = ("expiry_months", "star_levels", "redeem_min_star", "redemptions_per_quarter", "exchange_days",
          "honour_hours_earn_points", "notice_days")
MAX_LEVELS = 10
MAX_LEVEL_HOURS = 100000
MAX_POINTS_EARNED = 10**9


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _whole(value, low: int, high: int, *, nullable: bool = False):
    """(value, None) when a whole number in low..high (or null when allowed), else (None, message)."""
    if value is None and nullable:
        return None, None
    if not _is_int(value) or not low <= value <= high:
        message = gettext("A whole number from %(min)s to %(max)s.", min=low, max=high)
        if nullable:
            message = gettext("%(rule)s Or null for none.", rule=message)
        return None, message
    return value, None


def _levels(value):
    """(tuple of StarLevel, None) or (None, message) for star_levels."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_LEVELS:
        return None, gettext("A list of 1 to %(max)s levels.", max=MAX_LEVELS)
    levels = []
    for n, level in enumerate(value, start=1):
        if not isinstance(level, dict) or set(level) - {"star", "hours", "points_earned"}:
            return None, gettext("Level %(n)s: give star, hours and points_earned.", n=n)
        star, hours, earned = level.get("star", n), level.get("hours"), level.get("points_earned", 0)
        if not _is_int(star) or star != n:
            return None, gettext("Level %(n)s: stars are numbered 1, 2, 3… in order.", n=n)
        if not _is_int(hours) or not 1 <= hours <= MAX_LEVEL_HOURS:
            return None, gettext("Level %(n)s: hours must be a whole number from 1 to %(max)s.",
                                 n=n, max=MAX_LEVEL_HOURS)
        if not _is_int(earned) or not 0 <= earned <= MAX_POINTS_EARNED:
            return None, gettext("Level %(n)s: points_earned must be a whole number, 0 or more.", n=n)
        if levels and hours <= levels[-1].hours:
            return None, gettext("Level %(n)s: each level needs more hours than the one before.", n=n)
        levels.append(StarLevel(star, hours, earned))
    return tuple(levels), None


def _days(value):
    if value is None:
        return None, None
    message = gettext("Null for every day, or a list of distinct days of the month from 1 to 31.")
    if not isinstance(value, list) or not value or len(value) > 31:
        return None, message
    if any(not _is_int(d) or not 1 <= d <= 31 for d in value) or len(set(value)) != len(value):
        return None, message
    return tuple(sorted(value)), None


def check_changes(changes, base: Policy) -> dict:
    """The new settings (base with changes applied) as a dict; ValidationFailed naming each bad field."""
    if not isinstance(changes, dict):
        raise ValidationFailed({"body": gettext("Give the fields to change.")})
    errors = {}
    unknown = [name for name in changes if name not in FIELDS]
    for name in unknown:
        errors[str(name)[:60]] = gettext("Unknown field.")
    new = base.settings_json()
    checks = {
        "expiry_months": lambda v: _whole(v, 1, 120, nullable=True),
        "star_levels": _levels,
        "redemptions_per_quarter": lambda v: _whole(v, 1, 1000, nullable=True),
        "exchange_days": _days,
        "notice_days": lambda v: _whole(v, 1, 60),
    }
    for name, check in checks.items():
        if name in changes:
            value, problem = check(changes[name])
            if problem:
                errors[name] = problem
            elif name == "star_levels":
                new[name] = [{"star": x.star, "hours": x.hours, "points_earned": x.points_earned} for x in value]
            else:
                new[name] = list(value) if isinstance(value, tuple) else value
    if "honour_hours_earn_points" in changes:
        if isinstance(changes["honour_hours_earn_points"], bool):
            new["honour_hours_earn_points"] = changes["honour_hours_earn_points"]
        else:
            errors["honour_hours_earn_points"] = gettext("true or false.")
    if "redeem_min_star" in changes:
        levels = len(new["star_levels"]) if "star_levels" not in errors else MAX_LEVELS
        value, problem = _whole(changes["redeem_min_star"], 0, levels)
        if problem:
            errors["redeem_min_star"] = problem
        else:
            new["redeem_min_star"] = value
    elif "star_levels" in changes and "star_levels" not in errors and new["redeem_min_star"] > len(new["star_levels"]):
        errors["redeem_min_star"] = gettext("Higher than the number of star levels; lower it too.")
    if errors:
        raise ValidationFailed(errors)
    return new


_change_hooks: list = []


def register_change_hook(hook) -> None:
    """Call hook(old, new) inside every policy change's write (the features that keep guard rows for
    a setting use it, e.g. the quarterly cap); a hook that raises refuses the change."""
    if hook not in _change_hooks:
        _change_hooks.append(hook)


def changed_fields(before: dict, after: dict) -> dict:
    """{field: [old, new]} for each field that differs."""
    return {name: [before.get(name), after.get(name)] for name in FIELDS if before.get(name) != after.get(name)}


def readable(name: str, value) -> str:
    """A field's value as the versions list shows it: star levels as "100h, 300h+50"."""
    if name == "star_levels" and isinstance(value, list):
        return ", ".join(f"{lv.get('hours')}h" + (f"+{lv['points_earned']}" if lv.get("points_earned") else "")
                         for lv in value)
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value).lower() if isinstance(value, bool) else str(value)


def set_policy(changes: dict, actor) -> Policy:
    """Apply any subset of the fields as a new version, audited with before/after; answer the policy in force."""
    if actor is None or not actor.has_role("admin"):
        raise Forbidden()
    for attempt in range(1, ATTEMPTS + 1):
        forget_cached_policy()
        base = current_policy()
        new = check_changes(changes, base)
        try:
            version = run_write(lambda base=base, new=new: _write_version(base, new, actor.id))
            break
        except IntegrityError:
            # Another admin changed this same version first (unique based_on): apply ours on top of theirs.
            db.session.rollback()
            if attempt == ATTEMPTS:
                raise
    forget_cached_policy()
    return policy_from(new, version)


ATTEMPTS = 5


def _write_version(base: Policy, new: dict, actor_id: int) -> int:
    """Inside the write: the new version (refused by the unique key if base is no longer the newest), its audit event."""
    text = json.dumps(new, sort_keys=True, ensure_ascii=False)
    version = db.session.execute(sa.insert(PolicyVersion.__table__).values(
        settings=text, created_at=utcnow(), created_by_id=actor_id, based_on=base.version)
        .returning(PolicyVersion.id)).scalar_one()
    audit.record("policy.changed", actor=actor_id, subject_type="policy_versions", subject_id=version,
                 before={"version": base.version, **base.settings_json()}, after={"version": version, **new})
    for hook in _change_hooks:
        hook(base, policy_from(new, version))
    return version


def versions(limit: int = 50) -> list[dict]:
    """The newest versions first, each with who set it, when, and what it changed from the one before."""
    rows = db.session.execute(
        sa.select(PolicyVersion).order_by(PolicyVersion.id.desc()).limit(limit + 1)).scalars().all()
    from accounts.models import User

    names = dict(db.session.execute(sa.select(User.id, User.name).where(
        User.id.in_({r.created_by_id for r in rows if r.created_by_id}))).all()) if rows else {}
    out = []
    defaults = Policy().settings_json()
    for n, row in enumerate(rows[:limit]):
        settings = json.loads(row.settings)
        previous = json.loads(rows[n + 1].settings) if n + 1 < len(rows) else defaults
        out.append({"version": row.id, "at": row.created_at, "by": names.get(row.created_by_id, ""),
                    "changes": changed_fields(previous, settings)})
    return out
