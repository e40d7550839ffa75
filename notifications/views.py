"""The inbox page, phone first, and the unread badge in the header."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from extensions import db
from notifications import services
from notifications.models import Notification
from notifications.texts import render_text

bp = Blueprint("notifications", __name__)
PER_PAGE = 30
MAX_PAGE = 10_000


def unread_badge() -> int:
    """Unread messages of the signed-in person, for the header (0 when signed out)."""
    if not current_user.is_authenticated:
        return 0
    return services.unread_count(current_user.id)


@bp.get("/notifications")
@login_required
def inbox():
    """The person's messages, newest first, unread ones marked."""
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 5 else 1
    pagination = db.paginate(services.inbox_stmt(current_user.id).order_by(Notification.id.desc()),
                             page=min(max(page, 1), MAX_PAGE), per_page=PER_PAGE, error_out=False)
    items = [{"n": n, "text": render_text(n.kind, n.params)} for n in pagination.items]
    return render_template("notifications/inbox.html", page=pagination, items=items,
                           unread=services.unread_count(current_user.id))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read_one(notification_id: int):
    if notification_id > 2**31 - 1:
        abort(404)
    from core.errors import NotFound

    try:
        services.mark_read(notification_id, current_user)
    except NotFound:
        abort(404)
    return redirect(url_for("notifications.inbox"))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    services.mark_all_read(current_user)
    return redirect(url_for("notifications.inbox"))


@bp.app_context_processor
def _badge() -> dict:
    return {"unread_badge": unread_badge}
