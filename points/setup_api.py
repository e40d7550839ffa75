"""JSON API for the points set-up: teams, difficulty levels, the rule, commendations, adjustments."""

import uuid

import sqlalchemy as sa
from flask import Blueprint, jsonify

from core.api import api_user, created, idempotent, json_body, keyset_page, require_roles, service_key
from core.validate import Checker
from extensions import db
from points import awards, setup_services, teams
from points.models import CommendationType, DifficultyLevel

bp = Blueprint("setup_api", __name__, url_prefix="/api/v1")


def render_team(team) -> dict:
    return {"id": team.id, "name": team.name, "community_id": team.community_id,
            "lead_ids": teams.lead_ids(team.id)}


def render_level(level: DifficultyLevel) -> dict:
    return {"id": level.id, "code": level.code, "name": level.name,
            "multiplier": setup_services.format_multiplier(level.multiplier), "active": level.active}


def render_rule(rule) -> dict:
    return {"points_per_hour": rule.points_per_hour, "version": rule.id}


@bp.post("/teams")
def create_team():
    actor = require_roles("admin")
    c = Checker(json_body())
    name = c.text("name", max_length=100)
    community_id = c.id("community_id", required=False)
    lead_ids = c.id_list("lead_ids", max_items=teams.MAX_LEADS)
    c.done()
    team = teams.create_team(name, community_id, lead_ids, actor)
    return created(render_team(team))


@bp.post("/teams/<int:team_id>/members")
def add_team_member(team_id: int):
    actor = require_roles("admin", "team_lead")
    teams.check_can_manage(actor, team_id)          # 403 not_team_lead, then 404
    c = Checker(json_body())
    user_id = c.id("user_id")
    c.done()
    member = teams.add_member(team_id, user_id, actor)
    return created({"team_id": member.team_id, "user_id": member.user_id, "is_lead": member.is_lead})


@bp.get("/difficulty-levels")
def list_difficulty_levels():
    api_user()
    return jsonify(keyset_page(sa.select(DifficultyLevel), DifficultyLevel.id, render_level, descending=False))


@bp.post("/difficulty-levels")
def create_difficulty_level():
    actor = require_roles("admin")
    c = Checker(json_body())
    code = c.text("code", max_length=40, pattern=setup_services.CODE_PATTERN)
    name = c.text("name", max_length=60)
    multiplier = c.multiplier("multiplier")
    c.done()
    level = setup_services.create_level(code, name, multiplier, actor)
    return created(render_level(level))


@bp.get("/rules")
def get_rules():
    api_user()
    return jsonify(render_rule(setup_services.current_rule()))


@bp.put("/rules")
def put_rules():
    actor = require_roles("admin")
    c = Checker(json_body())
    value = c.integer("points_per_hour", min_value=1, max_value=setup_services.MAX_POINTS_PER_HOUR)
    c.done()
    return jsonify(render_rule(setup_services.set_points_per_hour(value, actor)))


@bp.get("/commendation-types")
def list_commendation_types():
    api_user()
    return jsonify(keyset_page(sa.select(CommendationType), CommendationType.id, lambda t: {
        "id": t.id, "code": t.code, "name": t.name, "points": t.points, "active": t.active,
    }, descending=False))


@bp.post("/commendations")
@idempotent
def create_commendation():
    actor = require_roles("admin")
    c = Checker(json_body())
    user_id = c.id("user_id")
    type_ref = c.text("type", max_length=60)
    reason = c.text("reason", max_length=awards.MAX_REASON)
    c.done()
    key = service_key("commendation", uuid.uuid4().hex)
    record = awards.grant_commendation(user_id, type_ref, reason, actor, key)
    return created({
        "id": record.id, "user_id": record.user_id, "type": db.session.get(CommendationType, record.type_id).code,
        "points": record.points, "reason": record.reason, "balance_after": awards.balance_after(record),
    })


@bp.post("/adjustments")
@idempotent
def create_adjustment():
    actor = require_roles("admin")
    c = Checker(json_body())
    user_id = c.id("user_id")
    points = c.integer("points", min_value=-awards.MAX_ADJUSTMENT, max_value=awards.MAX_ADJUSTMENT)
    if points == 0:
        c.fail("points", awards.nonzero_message())
    reason = c.text("reason", max_length=awards.MAX_REASON)
    c.done()
    key = service_key("adjustment", uuid.uuid4().hex)
    record = awards.adjust_points(user_id, points, reason, actor, key)
    return created({
        "id": record.id, "user_id": record.user_id, "points": record.points, "reason": record.reason,
        "balance_after": awards.balance_after(record),
    })
