"""(stub, filled in by its feature)"""

from flask import Blueprint

bp = Blueprint("points_api", __name__, url_prefix="/api/v1")
