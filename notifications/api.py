"""JSON API: a person's own notifications (API.md "People")."""

from flask import Blueprint, jsonify

from core.api import api_user, keyset_page
from core.errors import NotFound
from core.timeutil import to_iso
from notifications import services
from notifications.models import Notification
from notifications.texts import render_text

bp = Blueprint("notifications_api", __name__, url_prefix="/api/v1")
MAX_DB_ID = 2**31 - 1


def render_notification(n: Notification) -> dict:
    return {"id": n.id, "at": to_iso(n.created_at), "kind": n.kind, "text": render_text(n.kind, n.params),
            "read": n.read_at is not None}


@bp.get("/notifications")
def list_notifications():
    """The caller's own notifications, newest first."""
    user = api_user()
    page = keyset_page(services.inbox_stmt(user.id), Notification.id, render_notification)
    page["unread"] = services.unread_count(user.id)
    return jsonify(page)


@bp.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int):
    """Mark one of the caller's notifications read; another person's answers 404."""
    user = api_user()
    if notification_id > MAX_DB_ID:
        raise NotFound()
    return jsonify(render_notification(services.mark_read(notification_id, user)))
