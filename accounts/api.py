"""JSON API for tokens, the signed-in person, users and communities (see API.md)."""

from flask import Blueprint, jsonify, request
from flask_babel import gettext

from accounts import services
from accounts.models import User
from accounts.signin import authenticate
from accounts.tokens import issue_token
from audit.service import client_address
from core.api import created, json_body, keyset_page, require_roles
from core.errors import ValidationFailed
from core.privacy import mask_phone
from core.timeutil import to_iso
from core.validate import Checker, not_storable

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")


def render_user(user: User, *, whole_phone: bool = True, with_card: bool = True) -> dict:
    """A person as the API shows them; phones masked unless whole_phone."""
    body = {
        "id": user.id, "username": user.username, "name": user.name, "roles": user.roles,
        "community_id": user.community_id, "grid_id": user.grid_id, "active": user.active,
        "phone": user.phone if whole_phone else mask_phone(user.phone),
    }
    if with_card:
        body["card_code"] = user.card_code
    return body


def _secret(c: Checker, name: str, *, required: bool = True, max_length: int = 200) -> str | None:
    """A password as given (not trimmed): text without NUL or control characters."""
    value = c.data.get(name)
    if value is None:
        if required:
            c.fail(name, gettext("This field is required."))
        return None
    if not isinstance(value, str):
        c.fail(name, gettext("Must be text."))
        return None
    if any(ord(ch) < 32 for ch in value) or not_storable(value):
        c.fail(name, gettext("Contains characters that are not allowed."))
        return None
    if not value or len(value) > max_length:
        c.fail(name, gettext("Must be 1 to %(n)s characters.", n=max_length))
        return None
    return value


def _roles(c: Checker) -> tuple[str, ...]:
    value = c.data.get("roles", ["resident"])
    if not isinstance(value, list) or not value or len(value) > 10 or not all(isinstance(r, str) for r in value):
        c.fail("roles", gettext("Must be a list of roles, e.g. [\"resident\"]."))
        return ()
    return tuple(value)


@bp.post("/tokens")
def create_token():
    """Sign in: 201 {"token", "expires_at"}; 401 invalid_credentials; 429 rate_limited."""
    c = Checker(json_body())
    username = c.text("username", max_length=100)
    password = _secret(c, "password")
    c.done()
    _user, (token, expires_at) = authenticate(
        username, password, client_address(), on_success=lambda user: issue_token(user.id), via="api"
    )
    return created({"token": token, "expires_at": to_iso(expires_at)})


@bp.post("/users")
def create_user():
    """Add a person (admin): 201 with the user."""
    actor = require_roles("admin")
    c = Checker(json_body())
    username = c.text("username", max_length=40)
    name = c.text("name", max_length=100)
    password = _secret(c, "password")
    roles = _roles(c)
    community_id = c.id("community_id", required=False)
    grid_id = c.id("grid_id", required=False)
    phone = c.text("phone", required=False, max_length=30)
    c.done()
    phone = services.clean_phone(phone)
    errors = services.contact_errors(phone, None)
    if errors:
        raise ValidationFailed(errors)
    user = services.create_user(services.NewUser(
        username=username, name=name, password=password, roles=roles,
        community_id=community_id, grid_id=grid_id, phone=phone,
    ), actor)
    return created(render_user(user))


@bp.get("/users")
def list_users():
    """Search people by name, username, phone or pinyin initials (admin, store keeper)."""
    actor = require_roles("admin", "store_keeper")
    q = request.args.get("q", "")
    if len(q) > 100 or any(ord(ch) < 32 for ch in q):
        raise ValidationFailed({"q": gettext("At most 100 characters, without control characters.")})
    admin = actor.has_role("admin")
    stmt = services.people_query(q, include_inactive=admin)
    return jsonify(keyset_page(
        stmt, User.id, lambda user: render_user(user, whole_phone=admin, with_card=admin)
    ))


@bp.post("/communities")
def create_community():
    """Add a community (admin): 201 {"id", "name"}."""
    actor = require_roles("admin")
    c = Checker(json_body())
    name = c.text("name", max_length=100)
    c.done()
    community = services.create_community(name, actor)
    return created({"id": community.id, "name": community.name})
