"""(stub, filled in by its feature)"""

from flask import Blueprint

bp = Blueprint("redemption", __name__, url_prefix="/store")
