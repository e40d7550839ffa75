"""The `redemption` blueprint and the small helpers its page modules share."""

import sqlalchemy as sa
from flask import Blueprint, abort
from flask_login import current_user

from accounts.decorators import read_only
from core.validate import parse_id as core_parse_id
from extensions import db

bp = Blueprint("redemption", __name__, url_prefix="/store")

MAX_DB_ID = 2**31 - 1


def parse_id(raw) -> int | None:
    """A positive database id from untrusted text, or None."""
    return core_parse_id(raw)  # ASCII digits only: "²".isdigit() is True but int() refuses it


def get_or_404(model, object_id: int):
    """The row with this id, or a 404 page (ids too large for the database included)."""
    if not isinstance(object_id, int) or not 0 < object_id <= MAX_DB_ID:
        abort(404)
    row = db.session.get(model, object_id)
    if row is None:
        abort(404)
    return row


def my_store_ids() -> list[int]:
    """The stores the signed-in person keeps."""
    from redemption.services import keeper_store_ids

    return keeper_store_ids(current_user.id)


def may_manage(store_id: int) -> bool:
    """Admins manage every store; a keeper only the stores they keep; auditors read every one."""
    if read_only():
        return True  # role_required let a reader in for GET only
    return current_user.has_role("admin") or (
        current_user.has_role("store_keeper") and store_id in my_store_ids()
    )


def require_manage(store_id: int) -> None:
    if not may_manage(store_id):
        abort(403)


def form_key(raw: str) -> str:
    """The service key for a form post: belongs to the signed-in person."""
    return f"form:{current_user.id}:{raw}"


def stores_by_id(ids) -> list:
    from redemption.models import Store

    ids = list(ids)
    if not ids:
        return []
    return list(db.session.execute(sa.select(Store).where(Store.id.in_(ids)).order_by(Store.name)).scalars())


def show_refusal(form, refused) -> None:
    """A service refusal onto the form: field messages under their fields, the rest as a flash."""
    from flask import flash

    leftover = []
    for name, message in (refused.fields or {}).items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), str(message)]
        else:
            leftover.append(str(message))
    if not refused.fields or leftover:
        flash(" ".join([str(refused.message), *leftover]), "danger")
