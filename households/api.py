"""JSON API of households and gifts (API.md "Households, gifts and proxies"). Parse, call, render."""

from uuid import uuid4

from flask import Blueprint, jsonify

from core.api import answer_in_write, api_user, created, idempotent, json_body, require_roles, service_key
from core.errors import NotFound
from core.validate import Checker
from households import gifts, services

bp = Blueprint("households_api", __name__, url_prefix="/api/v1")


def render_household(detail: services.HouseholdDetail) -> dict:
    return {
        "id": detail.id, "name": detail.name, "community_id": detail.community_id,
        "members": [{"user_id": m.user_id, "name": m.name, "balance": m.balance,
                     "service_minutes": m.service_minutes, "star": m.star} for m in detail.members],
        "totals": detail.totals,
    }


def render_gift(result: gifts.GiftResult) -> dict:
    return {"id": result.id, "to_user_id": result.to_user_id, "points": result.points,
            "balance_after": result.balance_after}


@bp.post("/households")
def create_household():
    """A household with its members (admin) → 201."""
    actor = require_roles("admin")
    c = Checker(json_body())
    name = c.text("name", max_length=100)
    member_ids = c.id_list("member_ids", max_items=services.MAX_MEMBERS)
    community_id = c.id("community_id", required=False)
    c.done()
    household_id = services.create_household(name, member_ids, actor, community_id=community_id)
    return created(render_household(services.household_detail(household_id)))


def _visible_household(household_id: int) -> services.HouseholdDetail:
    viewer = api_user()
    detail = services.household_detail(household_id) if household_id else None
    if detail is None or not services.may_see(household_id, viewer):
        raise NotFound()
    return detail


@bp.get("/households/<int:household_id>")
def get_household(household_id: int):
    """Members with balance, service minutes and star, and the totals (its members, admin, auditor)."""
    return jsonify(render_household(_visible_household(household_id)))


@bp.post("/households/<int:household_id>/members")
def add_member(household_id: int):
    """Put a person in the household (admin) → 201."""
    actor = require_roles("admin")
    if not household_id or services.household_detail(household_id) is None:
        raise NotFound()
    c = Checker(json_body())
    user_id = c.id("user_id")
    c.done()
    services.add_member(household_id, user_id, actor)
    return created(render_household(services.household_detail(household_id)))


@bp.delete("/households/<int:household_id>/members/<int:user_id>")
def remove_member(household_id: int, user_id: int):
    """Take a person out of the household (admin) → 204."""
    actor = require_roles("admin")
    services.remove_member(household_id, user_id, actor)
    return "", 204


@bp.post("/gifts")
@idempotent
def give():
    """Give points to a household member or a resident in need → 201 {"id", "balance_after"}."""
    giver = api_user()
    body = json_body()
    gifts.check_recipient(giver, body.get("to_user_id"))  # 403s before 422
    c = Checker(body)
    to_user_id = c.id("to_user_id")
    points = c.integer("points", min_value=1, max_value=gifts.MAX_GIFT)
    note = c.text("note", required=False, min_length=0, max_length=gifts.MAX_NOTE)
    c.done()
    key = service_key("gift", uuid4().hex)
    answer_in_write(render_gift, 201)
    return created(render_gift(gifts.give(giver, to_user_id, points, note, key)))
