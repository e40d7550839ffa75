"""JSON API for tokens, the signed-in person, users and communities (see API.md)."""

from flask import Blueprint, jsonify, request
from flask_babel import gettext

from accounts import services
from accounts.models import ROLES, User
from accounts.signin import authenticate
from accounts.tokens import issue_token, revoke_token
from audit.service import client_address
from core.api import api_user, created, json_body, keyset_page, require_roles
from core.errors import Forbidden, NotFound, ValidationFailed
from core.privacy import mask_phone
from core.timeutil import to_iso
from core.validate import Checker, not_storable
from extensions import db

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
    """Search people by name, username, phone or pinyin initials (admin, store keeper; API.md)."""
    actor = require_roles("admin", "store_keeper")
    q = request.args.get("q", "")
    if len(q) > 100 or any(ord(ch) < 32 for ch in q):
        raise ValidationFailed({"q": gettext("At most 100 characters, without control characters.")})
    admin = actor.has_role("admin")
    services.count_search(actor)  # counts store keepers only
    stmt = services.people_query(q, include_inactive=admin, phone_substring=admin)
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


@bp.delete("/tokens/current")
def delete_current_token():
    """Sign out of the API: the token of this call stops working at once (204)."""
    user = api_user()
    revoke_token(request.headers.get("Authorization", "").partition(" ")[2].strip(), user.id)
    return "", 204


def render_person(user: User, *, whole_phone: bool) -> dict:
    """One person as PATCH answers it; GET /api/v1/users/{id} (reports) adds balance, hours and star."""
    body = render_user(user, whole_phone=whole_phone, with_card=whole_phone)
    body.update(party_member=bool(user.party_member), in_need=bool(user.in_need), unit_id=user.unit_id)
    return body


def _not_found():
    raise NotFound()


PATCHABLE = ("name", "phone", "roles", "active", "password", "community_id", "grid_id",
             "party_member", "unit_id", "in_need")


@bp.patch("/users/<int:user_id>")
def patch_user(user_id: int):
    """Change any of a person's fields (admin); password, roles or active changes end their sessions."""
    actor = require_roles("admin")
    user = db.session.get(User, user_id) or _not_found()
    data = json_body()
    if user.id == actor.id and "roles" in data and (
        not isinstance(data["roles"], list) or set(data["roles"]) != set(user.roles)
    ):
        raise Forbidden(gettext("Nobody changes their own roles; ask another admin."))
    req = _edit_request(user, data)
    try:
        services.update_user(req, actor)
    except ValidationFailed as refused:  # the service names the page's field; the API calls it password
        raise ValidationFailed({("password" if name == "new_password" else name): message
                                for name, message in (refused.fields or {}).items()}) from None
    db.session.expire_all()
    return jsonify(render_person(db.session.get(User, user_id), whole_phone=True))


def _edit_request(user: User, data: dict) -> services.EditUser:
    """The person as they are, with the fields the body gives; 422 listing every bad one."""
    c = Checker(data)
    given = {name for name in PATCHABLE if name in data}
    name = c.text("name", max_length=100) if "name" in given else user.name
    phone = user.phone
    if "phone" in given:
        phone = services.clean_phone(c.text("phone", required=False, max_length=30))
    roles = tuple(user.roles)
    if "roles" in given:
        roles = _roles(c)
        if roles and any(role not in ROLES for role in roles):
            c.fail("roles", gettext("Choose roles from: %(roles)s.", roles=", ".join(ROLES)))
    active = c.boolean("active", default=user.active) if "active" in given else user.active
    password = _secret(c, "password") if "password" in given else None
    community_id, grid_id = user.community_id, user.grid_id
    if "community_id" in given:
        community_id = c.id("community_id", required=False)
        if "grid_id" not in given and grid_id is not None and community_id != user.community_id:
            grid_id = None  # the old grid belongs to the old community
    if "grid_id" in given:
        grid_id = c.id("grid_id", required=False)
    flags = {name: c.boolean(name, default=bool(getattr(user, name))) for name in ("party_member", "in_need")
             if name in given}
    unit_id = c.id("unit_id", required=False) if "unit_id" in given else None  # must exist: the service checks
    for field in ("active", "party_member", "in_need"):
        if field in given and data[field] is None:
            c.fail(field, gettext("Must be true or false."))
    c.done()
    return services.EditUser(
        user_id=user.id, name=name, roles=roles, active=active, community_id=community_id, grid_id=grid_id,
        phone=phone, id_number=user.id_number, new_password=password,
        party_member=flags.get("party_member"), in_need=flags.get("in_need"),
        set_unit="unit_id" in given, unit_id=unit_id,
    )
