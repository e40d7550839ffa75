"""(stub, filled in by its feature)"""

from flask import Blueprint

bp = Blueprint("points", __name__)
