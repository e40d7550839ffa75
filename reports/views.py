"""(stub, filled in by its feature)"""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
