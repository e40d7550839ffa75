"""(stub, filled in by its feature)"""

from flask import Blueprint

bp = Blueprint("audit_api", __name__, url_prefix="/api/v1")
