"""Server-side role checks for the HTML pages."""

import functools

from flask import abort
from flask_login import current_user, login_required


def role_required(*roles: str):
    """The page needs a signed-in user holding any of roles; others get 403."""

    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate
