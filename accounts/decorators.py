"""Server-side role checks for the HTML pages."""

import functools

from flask import abort, g, request
from flask_login import current_user, login_required

READ_METHODS = ("GET", "HEAD")


def role_required(*roles: str, readers: tuple[str, ...] | None = None):
    """The page needs a signed-in user holding any of roles; others get 403.

    readers may only read (GET/HEAD) the page; g.read_only tells the template to hide its
    action buttons and forms. Every admin page is readable by auditors unless readers=()
    says otherwise: the auditor's job is to read everything and change nothing.
    """
    if readers is None:
        readers = ("auditor",) if "admin" in roles else ()

    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            g.read_only = False
            if current_user.has_role(*roles):
                return view(*args, **kwargs)
            if readers and request.method in READ_METHODS and current_user.has_role(*readers):
                g.read_only = True
                return view(*args, **kwargs)
            abort(403)

        return wrapper

    return decorate


def read_only() -> bool:
    """True while a reader (an auditor) is looking at a page they may not act on."""
    return bool(g.get("read_only"))
