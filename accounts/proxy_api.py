"""JSON API of proxies (代办人): name, list and end them (admin; an auditor reads)."""

from flask import Blueprint, jsonify
from flask_babel import gettext

from accounts import proxies
from accounts.models import User
from core.api import api_user, created, json_body, require_roles
from core.errors import Forbidden, NotFound
from core.validate import Checker
from extensions import db

bp = Blueprint("proxy_api", __name__, url_prefix="/api/v1")


def render_proxy(p: proxies.ProxyView) -> dict:
    return {"id": p.id, "user_id": p.user_id, "proxy_id": p.proxy_id, "proxy_name": p.proxy_name}


@bp.post("/users/<int:user_id>/proxies")
def name_proxy(user_id: int):
    """Name a proxy for a resident (admin) → 201."""
    actor = require_roles("admin")
    if actor.id == user_id:
        raise Forbidden(gettext("Another admin must name or end a proxy that involves you."))
    if not user_id or db.session.get(User, user_id) is None:
        raise NotFound()
    c = Checker(json_body())
    proxy_id = c.id("proxy_id")
    c.done()
    return created(render_proxy(proxies.name_proxy(user_id, proxy_id, actor)))


@bp.get("/users/<int:user_id>/proxies")
def list_proxies(user_id: int):
    """The resident's open proxies (admin, auditor, store keeper for the counter; the resident themselves)."""
    actor = api_user()
    user = db.session.get(User, user_id) if user_id else None
    if user is None or (actor.id != user_id and not actor.has_role("admin", "auditor", "store_keeper")):
        raise NotFound()
    return jsonify({"items": [render_proxy(p) for p in proxies.proxies_of(user_id)], "next": None})


@bp.delete("/users/<int:user_id>/proxies/<int:proxy_id>")
def end_proxy(user_id: int, proxy_id: int):
    """End a proxy relation (admin) → 204; 404 when there is no open one."""
    actor = require_roles("admin")
    proxies.end_proxy(user_id, proxy_id, actor)
    return "", 204
