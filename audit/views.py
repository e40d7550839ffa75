"""The audit trail viewer: filter, page through, export as CSV, verify the hash chain."""

import json

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_babel import gettext
from flask_login import current_user

from accounts.decorators import role_required
from accounts.models import User
from audit.describe import ACTION_LABELS, describe, label, people_in, subject_page
from audit.filters import AuditFilterForm, events_query, newest_first
from audit.models import AuditEvent
from audit.service import verify_chain
from core.csvutil import csv_response
from core.privacy import mask_private_json
from core.templating import local_time
from core.timeutil import shanghai_today
from extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 50
VALUE_LIMIT = 300


def _loads(text: str | None):
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _show(value) -> str:
    """A value as short readable text (JSON for structures), cut at VALUE_LIMIT characters."""
    if value is None:
        return "∅"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= VALUE_LIMIT else text[:VALUE_LIMIT] + "…"


def changes(before_text: str | None, after_text: str | None) -> list[tuple[str, str, str]]:
    """(field, before, after) for each field that differs; whole values when not both objects."""
    before, after = _loads(before_text), _loads(after_text)
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        rows = []
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new or old[key] != new[key]:
                rows.append((key, _show(old.get(key)) if key in old else "", _show(new.get(key)) if key in new else ""))
        return rows
    if before is None and after is None:
        return []
    return [("", _show(before) if before is not None else "", _show(after) if after is not None else "")]


def _shown():
    """Phones and ID numbers are whole for admins only; auditors read them masked."""
    if current_user.has_role("admin"):
        return lambda text: text
    return mask_private_json


def _filter_form() -> tuple[AuditFilterForm, bool]:
    form = AuditFilterForm(formdata=request.args)
    return form, form.validate()


def _cursor() -> int | None:
    raw = request.args.get("before", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 16 else None


@bp.get("/")
@role_required("admin", "auditor")
def events():
    """Events newest first, PAGE_SIZE at a time (keyset: ?before=<id> for older ones)."""
    form, valid = _filter_form()
    rows, older = [], None
    if valid:
        found = db.session.execute(newest_first(form.to_filters(), _cursor(), PAGE_SIZE + 1)).all()
        page = found[:PAGE_SIZE]
        shown = _shown()
        names = _names(set().union(*(people_in(event) for event, _ in page)) if page else set())
        rows = [{"event": event, "username": username, "changes": changes(shown(event.before), shown(event.after)),
                 "text": describe(event, names), "label": label(event.action), "link": subject_page(event)}
                for event, username in page]
        if len(found) > PAGE_SIZE:
            older = rows[-1]["event"].id
    return render_template(
        "audit/events.html", form=form, groups=_group_sign_ins(rows), rows=rows, older=older,
        args=form.query_args(), paged=request.args.get("before") is not None, action_labels=ACTION_LABELS,
    ), (200 if valid else 422)


def _names(user_ids: set[int]) -> dict[int, str]:
    """Names of the people a page of events mentions, in one query."""
    if not user_ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(user_ids))).all())


def _group_sign_ins(rows: list[dict]) -> list[dict]:
    """Runs of consecutive sign-in events fold into one collapsible group; other events stand alone."""
    groups: list[dict] = []
    for row in rows:
        if row["event"].action.startswith("auth."):
            if groups and groups[-1]["sign_ins"]:
                groups[-1]["rows"].append(row)
                continue
            groups.append({"sign_ins": True, "rows": [row]})
        else:
            groups.append({"sign_ins": False, "rows": [row]})
    return groups


@bp.get("/export.csv")
@role_required("admin", "auditor")
def export():
    """The whole filtered trail as CSV (same filters as the page), streamed newest first."""
    form, valid = _filter_form()
    if not valid:
        return render_template("audit/events.html", form=form, rows=[], groups=[], older=None,
                               action_labels=ACTION_LABELS,
                               args=form.query_args(), paged=False), 422
    stmt = events_query(form.to_filters()).order_by(AuditEvent.id.desc())
    shown = _shown()

    def rows():
        result = db.session.execute(stmt.execution_options(yield_per=1000))
        for event, username in result:
            yield (event.id, local_time(event.at, "%Y-%m-%d %H:%M:%S"), event.actor_id, username,
                   event.address, event.action, event.subject_type, event.subject_id,
                   shown(event.before), shown(event.after), event.prev_hash, event.hash)

    header = [gettext("Id"), gettext("Time (Beijing time)"), gettext("Actor id"), gettext("Actor"),
              gettext("Address"), gettext("Action"), gettext("Subject type"), gettext("Subject id"),
              gettext("Before"), gettext("After"), gettext("Previous hash"), gettext("Hash")]
    return csv_response(f"audit-{shanghai_today().isoformat()}.csv", header, rows())


REASONS = {
    "event missing": lambda: gettext("An event is missing (deleted)."),
    "link broken": lambda: gettext("The link to the previous event is broken."),
    "hash mismatch": lambda: gettext("The event was changed after it was written."),
    "events deleted at the end": lambda: gettext("The newest events were deleted."),
}


@bp.post("/verify")
@role_required("admin", "auditor")
def verify():
    """Re-check every hash and link of the chain and show the result."""
    report = verify_chain()
    reason = REASONS.get(report.reason or "", lambda: report.reason)() if not report.ok else None
    newest = db.session.execute(sa.select(sa.func.max(AuditEvent.id))).scalar()
    return render_template("audit/verify.html", report=report, reason=reason, newest=newest)
