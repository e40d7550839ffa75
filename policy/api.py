"""GET/PUT /api/v1/policy (API.md "Points policy"). Thin: parse, call the service, render."""

from flask import Blueprint, jsonify

from core.api import api_user, json_body, require_roles
from policy.current import current_policy
from policy.services import set_policy

bp = Blueprint("policy_api", __name__, url_prefix="/api/v1")


@bp.get("/policy")
def get_policy():
    api_user()
    return jsonify(current_policy().as_json())


@bp.put("/policy")
def put_policy():
    actor = require_roles("admin")
    return jsonify(set_policy(json_body(), actor).as_json())
