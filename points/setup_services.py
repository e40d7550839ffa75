"""Points set-up: the points-per-hour rule (versioned), difficulty levels, commendation types.

Changing a rule never touches points already credited: hour records store the rate,
multiplier and rule version they were computed with.
"""

import re
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext

from audit import service as audit
from core.db import run_write
from core.errors import NotFound, ValidationFailed
from extensions import db
from points.models import CommendationType, DifficultyLevel, PointsRule
from points.rules import format_multiplier  # noqa: F401  (pages import it from here too)

CODE_PATTERN = r"[a-z0-9][a-z0-9_-]{0,39}"
MAX_POINTS_PER_HOUR = 1000
MAX_COMMENDATION_POINTS = 100000
TWO_PLACES = Decimal("0.01")


# ---------------------------------------------------------------- shared checks

def multiplier_problem(value) -> str | None:
    """Why value is not a multiplier in (0, 10] with at most two places, or None."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        return gettext("Must be a decimal number.")
    try:
        number = Decimal(str(value).strip()) if len(str(value)) <= 20 else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        return gettext("Must be a decimal number.")
    if number <= 0 or number > 10:
        return gettext("Must be more than 0 and at most 10.")
    if number != number.quantize(TWO_PLACES):
        return gettext("At most two decimal places.")
    return None


def _text_problem(value, max_length: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return gettext("This field is required.")
    if any(ord(c) < 32 for c in value):
        return gettext("Contains characters that are not allowed.")
    if len(value.strip()) > max_length:
        return gettext("At most %(n)s characters.", n=max_length)
    return None


def _code_problem(value) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(CODE_PATTERN, value):
        return gettext("1–40 lower-case letters, digits, '_' or '-', starting with a letter or digit.")
    return None


def _int_problem(value, low: int, high: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return gettext("Must be a whole number from %(min)s to %(max)s.", min=low, max=high)
    return None


def _raise_if(errors: dict) -> None:
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise ValidationFailed(errors)


# ---------------------------------------------------------------- the rule

def current_rule() -> PointsRule:
    """The rule in force: the latest row; its id is the version."""
    return db.session.execute(
        sa.select(PointsRule).order_by(PointsRule.id.desc()).limit(1)
    ).scalar_one()


def rule_history(limit: int = 50) -> list[PointsRule]:
    """Rule versions, newest first."""
    return list(db.session.execute(
        sa.select(PointsRule).order_by(PointsRule.id.desc()).limit(limit)
    ).scalars())


def rule_snapshot(rule: PointsRule) -> dict:
    return {"points_per_hour": rule.points_per_hour, "version": rule.id}


def set_points_per_hour(value: int, actor) -> PointsRule:
    """Put a new rule version in force (1–1000 points per hour); the same value changes nothing."""
    _raise_if({"points_per_hour": _int_problem(value, 1, MAX_POINTS_PER_HOUR)})

    def work() -> PointsRule:
        before = current_rule()
        if before.points_per_hour == value:
            return before
        rule = PointsRule(points_per_hour=value, created_by_id=getattr(actor, "id", None))
        db.session.add(rule)
        db.session.flush()
        audit.record("rules.changed", actor=actor, subject=rule,
                     before=rule_snapshot(before), after=rule_snapshot(rule))
        return rule

    return run_write(work)


# ---------------------------------------------------------------- difficulty levels

def list_levels(*, active_only: bool = False) -> list[DifficultyLevel]:
    stmt = sa.select(DifficultyLevel).order_by(DifficultyLevel.multiplier, DifficultyLevel.id)
    if active_only:
        stmt = stmt.where(DifficultyLevel.active.is_(True))
    return list(db.session.execute(stmt).scalars())


def level_by_code(code: str) -> DifficultyLevel | None:
    """The level with this code (active or not), or None."""
    if not isinstance(code, str) or len(code) > 40:
        return None
    return db.session.execute(
        sa.select(DifficultyLevel).where(DifficultyLevel.code == code)
    ).scalar_one_or_none()


def level_snapshot(level: DifficultyLevel) -> dict:
    return {"code": level.code, "name": level.name,
            "multiplier": format_multiplier(level.multiplier), "active": level.active}


def create_level(code: str, name: str, multiplier: Decimal, actor) -> DifficultyLevel:
    """A new difficulty level; its code is unique and never changes."""
    _raise_if({"code": _code_problem(code), "name": _text_problem(name, 60),
               "multiplier": multiplier_problem(multiplier)})
    value = Decimal(str(multiplier).strip()).quantize(TWO_PLACES)

    def work() -> DifficultyLevel:
        if level_by_code(code) is not None:
            raise ValidationFailed({"code": gettext("A difficulty level with this code exists.")})
        level = DifficultyLevel(code=code, name=name.strip(), multiplier=value, active=True)
        db.session.add(level)
        db.session.flush()
        audit.record("difficulty_level.created", actor=actor, subject=level, after=level_snapshot(level))
        return level

    return run_write(work)


def update_level(level_id: int, actor, *, name: str, multiplier: Decimal, active: bool) -> DifficultyLevel:
    """Rename, re-weigh or (de)activate a level; activities already logged keep their points."""
    _raise_if({"name": _text_problem(name, 60), "multiplier": multiplier_problem(multiplier),
               "active": None if isinstance(active, bool) else gettext("Must be true or false.")})
    value = Decimal(str(multiplier).strip()).quantize(TWO_PLACES)

    def work() -> DifficultyLevel:
        level = db.session.get(DifficultyLevel, level_id)
        if level is None:
            raise NotFound()
        before = level_snapshot(level)
        level.name, level.multiplier, level.active = name.strip(), value, active
        db.session.flush()
        after = level_snapshot(level)
        if after != before:
            audit.record("difficulty_level.updated", actor=actor, subject=level, before=before, after=after)
        return level

    return run_write(work)


# ---------------------------------------------------------------- commendation types

def list_commendation_types(*, active_only: bool = False) -> list[CommendationType]:
    stmt = sa.select(CommendationType).order_by(CommendationType.id)
    if active_only:
        stmt = stmt.where(CommendationType.active.is_(True))
    return list(db.session.execute(stmt).scalars())


def commendation_type_by_ref(ref: str) -> CommendationType | None:
    """The commendation type with this code, else with this name, or None."""
    if not isinstance(ref, str) or not ref.strip() or len(ref) > 60:
        return None
    ref = ref.strip()
    found = db.session.execute(
        sa.select(CommendationType).where(CommendationType.code == ref)
    ).scalar_one_or_none()
    if found is None:
        found = db.session.execute(
            sa.select(CommendationType).where(CommendationType.name == ref).order_by(CommendationType.id)
        ).scalars().first()
    return found


def commendation_type_snapshot(kind: CommendationType) -> dict:
    return {"code": kind.code, "name": kind.name, "points": kind.points, "active": kind.active}


def _name_taken(name: str, exclude_id: int | None = None) -> bool:
    stmt = sa.select(CommendationType.id).where(CommendationType.name == name.strip())
    if exclude_id is not None:
        stmt = stmt.where(CommendationType.id != exclude_id)
    return db.session.execute(stmt).first() is not None


def create_commendation_type(code: str, name: str, points: int, actor) -> CommendationType:
    """A new kind of commendation worth a fixed number of points (1–100000)."""
    _raise_if({"code": _code_problem(code), "name": _text_problem(name, 60),
               "points": _int_problem(points, 1, MAX_COMMENDATION_POINTS)})

    def work() -> CommendationType:
        errors = {}
        if db.session.execute(sa.select(CommendationType.id).where(CommendationType.code == code)).first():
            errors["code"] = gettext("A commendation type with this code exists.")
        if _name_taken(name):
            errors["name"] = gettext("A commendation type with this name exists.")
        _raise_if(errors)
        kind = CommendationType(code=code, name=name.strip(), points=points, active=True)
        db.session.add(kind)
        db.session.flush()
        audit.record("commendation_type.created", actor=actor, subject=kind,
                     after=commendation_type_snapshot(kind))
        return kind

    return run_write(work)


def update_commendation_type(type_id: int, actor, *, name: str, points: int,
                             active: bool) -> CommendationType:
    """Rename, re-price or (de)activate a type; commendations already granted keep their points."""
    _raise_if({"name": _text_problem(name, 60), "points": _int_problem(points, 1, MAX_COMMENDATION_POINTS),
               "active": None if isinstance(active, bool) else gettext("Must be true or false.")})

    def work() -> CommendationType:
        kind = db.session.get(CommendationType, type_id)
        if kind is None:
            raise NotFound()
        if _name_taken(name, exclude_id=kind.id):
            raise ValidationFailed({"name": gettext("A commendation type with this name exists.")})
        before = commendation_type_snapshot(kind)
        kind.name, kind.points, kind.active = name.strip(), points, active
        db.session.flush()
        after = commendation_type_snapshot(kind)
        if after != before:
            audit.record("commendation_type.updated", actor=actor, subject=kind, before=before, after=after)
        return kind

    return run_write(work)
