"""The community pages' blueprint and the one way they turn a refusal into a message."""

from flask import Blueprint, abort, flash, redirect, request, url_for

from core.errors import DomainError, NotFound
from core.validate import parse_id

bp = Blueprint("community", __name__)


def form_data(*names: str, ids: tuple[str, ...] = ()) -> dict:
    """The posted fields as a service reads a JSON body: ids as integers when they are ids."""
    data = {name: request.form.get(name) for name in names if request.form.get(name) is not None}
    for name in ids:
        raw = request.form.get(name, "").strip()
        if raw:
            data[name] = parse_id(raw) if parse_id(raw) is not None else raw  # the service names a bad one
    return data


def act(call, done: str, back: str):
    """Run one use case; a refusal becomes a flashed message (unknown objects 404), then back to the page."""
    try:
        call()
    except NotFound:
        abort(404)
    except DomainError as refused:
        details = "; ".join(str(m) for m in (refused.fields or {}).values())
        flash(f"{refused.message} {details}".strip(), "danger")
        return redirect(back, code=303)
    flash(done, "success")
    return redirect(back, code=303)


def back_to(endpoint: str, **values) -> str:
    return url_for(endpoint, **values)
