"""(stub, filled in by its feature)"""

from flask import Blueprint

bp = Blueprint("setup_api", __name__, url_prefix="/api/v1")
