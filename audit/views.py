"""(stub, filled in by its feature)"""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")
