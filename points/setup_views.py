"""(stub, filled in by its feature)"""

from flask import Blueprint

bp = Blueprint("setup", __name__)
