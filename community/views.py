"""Pages for micro-wishes, needs lists, units and party members (filled in below)."""

from flask import Blueprint

bp = Blueprint("community", __name__)
