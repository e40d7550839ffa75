"""JSON API for micro-wishes, needs lists, units, suggestions and the party members' annual record (API.md "Community")."""

from flask import Blueprint, jsonify, request

from community import needs, party, units, wishes
from community.models import Need, Wish
from core.api import (
    api_user,
    created,
    idempotent,
    json_body,
    keyset_page,
    list_args,
    require_roles,
    service_key,
)
from core.timeutil import to_iso

bp = Blueprint("community_api", __name__, url_prefix="/api/v1")


def _body() -> dict:
    """The JSON object, or {} when the call carries no body at all (claim, publish, confirm)."""
    return json_body() if request.get_data(cache=True).strip() else {}


def render_wish(wish: Wish, *, full: bool = False) -> dict:
    body = {"id": wish.id, "title": wish.title, "status": wish.status}
    if full:
        body.update(wisher_id=wish.wisher_id, claimer_id=wish.claimer_id, details=wish.details,
                    fulfil_note=wish.fulfil_note, commendation_id=wish.commendation_id,
                    created_at=to_iso(wish.created_at))
    return body


def render_need(need: Need) -> dict:
    return {"id": need.id, "title": need.title, "community_id": need.community_id, "details": need.details,
            "status": need.status, "unit_id": need.unit_id, "completion_note": need.completion_note,
            "created_at": to_iso(need.created_at)}


@bp.post("/wishes")
def post_wish():
    """A resident posts a wish, or an admin for someone ("for_user_id"): 201 submitted."""
    actor = api_user()
    wish = wishes.post_wish(json_body(), actor)
    return created(render_wish(wish, full=True))


@bp.get("/wishes")
def wish_board():
    """PUBLIC: published and claimed wishes with masked names; never a phone or an address."""
    page = keyset_page(wishes.board_stmt(), Wish.id, lambda w: w)
    views = wishes.board_views(page["items"])
    page["items"] = [{"id": v.id, "title": v.title, "name": v.masked_name, "status": v.status} for v in views]
    return jsonify(page)


@bp.post("/wishes/<int:wish_id>/publish")
def publish_wish(wish_id: int):
    """An admin publishes a checked wish: 200 published; 409 invalid_state from any other state."""
    actor = require_roles("admin")
    return jsonify(render_wish(wishes.publish_wish(wish_id, actor), full=True))


@bp.post("/wishes/<int:wish_id>/claim")
def claim_wish(wish_id: int):
    """Anyone signed in but the wisher claims a published wish: 200 claimed; 409 already_claimed."""
    actor = api_user()
    return jsonify(render_wish(wishes.claim_wish(wish_id, actor), full=True))


@bp.post("/wishes/<int:wish_id>/fulfil")
def fulfil_wish(wish_id: int):
    """The claimer reports the wish fulfilled with a note: 200 fulfilled."""
    actor = api_user()
    return jsonify(render_wish(wishes.fulfil_wish(wish_id, json_body(), actor), full=True))


@bp.post("/wishes/<int:wish_id>/confirm")
@idempotent
def confirm_wish(wish_id: int):
    """An admin closes a fulfilled wish, optionally crediting the claimer a commendation's points."""
    actor = require_roles("admin")
    wishes.visible_wish(wish_id, actor)
    body = _body()
    wish = wishes.confirm_wish(wish_id, body, actor, key=service_key("wish", str(wish_id)))
    return jsonify(render_wish(wish, full=True))


@bp.post("/units")
def create_unit():
    """An admin registers a co-building unit with its contact people: 201."""
    actor = require_roles("admin")
    unit = units.create_unit(json_body(), actor)
    return created({"id": unit.id, "name": unit.name,
                    "contact_ids": [u.id for u in units.contacts_of(unit.id)]})


@bp.post("/needs")
def create_need():
    """An admin adds an item to a community's needs list: 201 open."""
    actor = require_roles("admin")
    return created(render_need(needs.create_need(json_body(), actor)))


@bp.get("/needs")
def list_needs():
    """The needs list, newest first, optionally of one status or one community."""
    api_user()
    status = needs.check_status(request.args.get("status"))
    community_id = needs.check_community(request.args.get("community_id"))
    return jsonify(keyset_page(needs.needs_stmt(status, community_id=community_id), Need.id, render_need))


@bp.post("/needs/<int:need_id>/claim")
def claim_need(need_id: int):
    """A contact of the unit claims an open need for it: 200 claimed; 409 already_claimed."""
    actor = api_user()
    return jsonify(render_need(needs.claim_need(need_id, json_body(), actor)))


@bp.post("/needs/<int:need_id>/complete")
def complete_need(need_id: int):
    """A contact of the claiming unit reports it done with a note: 200 completed."""
    actor = api_user()
    return jsonify(render_need(needs.complete_need(need_id, json_body(), actor)))


@bp.post("/needs/<int:need_id>/confirm")
def confirm_need(need_id: int):
    """An admin confirms a completed need: 200 confirmed."""
    actor = require_roles("admin")
    return jsonify(render_need(needs.confirm_need(need_id, actor)))


@bp.post("/suggestions")
def make_suggestion():
    """A signed-in person makes a 合理化建议: 201."""
    actor = api_user()
    suggestion = party.make_suggestion(json_body(), actor)
    return created({"id": suggestion.id, "user_id": suggestion.user_id, "text": suggestion.text,
                    "created_at": to_iso(suggestion.created_at)})


@bp.get("/party-members/annual")
def party_annual():
    """Admin, auditor: each party member's "四个一" of the year (by user id, paged)."""
    require_roles("admin", "auditor")
    year = party.parse_year(request.args.get("year"))
    limit, cursor = list_args()
    rows = party.annual_record(year, after_id=cursor, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return jsonify({"year": year, "items": [r.as_json() for r in rows],
                    "next": str(rows[-1].user_id) if more and rows else None})

