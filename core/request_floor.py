"""Per-request work only where a request needs it (issue 6, "a light request floor").

Measured before this (WSGI directly, SQLite, demo street): /healthz spent ~0.8 ms in Jifen against
~0.17 ms in a bare Flask app. The time went to hooks every request paid whether it used them or not:
Flask-Limiter resolving limits for routes that have none, Talisman recomputing the same security
headers and a CSP nonce, and the cookie session being opened (and `Vary: Cookie` sent) for callers
that carry a bearer token. lighten_requests() keeps what each of them guarantees and drops the rest:

- security headers: computed once by Talisman itself at start-up and copied onto every answer; the
  CSP nonce is made lazily the first time a template asks for it, and only then is it in the header;
- the limiter's app-wide check runs only if app-wide limits exist (@limiter.limit routes check
  themselves in their own wrapper);
- /healthz, /static/ and /api/ (bearer tokens only: session cookies are not accepted there) get a
  null session, so no cookie is parsed or signed and Babel falls back to Accept-Language.
"""

import secrets

from flask import Flask, Response, request
from flask.sessions import SessionInterface

NONCE_PLACEHOLDER = "JIFEN-NONCE-PLACEHOLDER"
SESSIONLESS_PREFIXES = ("/api/", "/static/")
SESSIONLESS_PATHS = ("/healthz",)


def lighten_requests(app: Flask) -> None:
    """Call last in create_app(), once every extension and blueprint is registered."""
    _lean_limiter(app)
    _lean_login_hooks(app)
    _lean_security_headers(app)
    app.session_interface = SessionOnlyForPeople(app.session_interface)


def sessionless(path: str) -> bool:
    return path in SESSIONLESS_PATHS or path.startswith(SESSIONLESS_PREFIXES)


class SessionOnlyForPeople(SessionInterface):
    """Wraps whatever session interface the app uses; machine callers get a read-only empty session."""

    def __init__(self, inner: SessionInterface):
        self.inner = inner

    def open_session(self, app, request):
        if sessionless(request.path):
            return self.make_null_session(app)
        return self.inner.open_session(app, request)

    def save_session(self, app, session, response):
        if self.is_null_session(session):
            return None
        return self.inner.save_session(app, session, response)

    def __getattr__(self, name):  # anything else (serializers, helpers) is the inner interface's
        return getattr(self.inner, name)


def _lean_limiter(app: Flask) -> None:
    from extensions import limiter

    manager = getattr(limiter, "limit_manager", None)
    app_wide = (
        manager is None
        or getattr(manager, "_default_limits", True)
        or getattr(manager, "_application_limits", True)
        or getattr(manager, "_blueprint_limits", True)
        or getattr(limiter, "_meta_limits", True)
    )
    hooks = app.before_request_funcs.get(None, [])
    if not app_wide and limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)
    # Its header and clean-up hooks matter only on requests a limit was checked on (they leave a context).
    after = app.after_request_funcs.get(None, [])
    for index, hook in enumerate(after):
        if getattr(hook, "args", None) == (limiter,):  # functools.partial(Limiter.__inject_headers, limiter)
            after[index] = _only_if_limited(hook)
    teardown = app.teardown_request_funcs.get(None, [])
    for index, hook in enumerate(teardown):
        if getattr(hook, "__self__", None) is limiter:
            teardown[index] = _only_if_limited(hook)


def _only_if_limited(hook):
    from flask.globals import request_ctx

    def run_if_limited(value):
        if hasattr(request_ctx._get_current_object(), "_limiter_request_context"):
            return hook(value)
        return value

    return run_if_limited


def _lean_login_hooks(app: Flask) -> None:
    """Flask-Login's remember-cookie refresh reads the session: skip it where there is none."""
    after = app.after_request_funcs.get(None, [])
    for index, hook in enumerate(after):
        if getattr(hook, "__name__", "") == "_update_remember_cookie":
            after[index] = _unless_sessionless(hook)


def _unless_sessionless(hook):
    def run_for_people(response):
        return response if sessionless(request.path) else hook(response)

    return run_for_people


def _lean_security_headers(app: Flask) -> None:
    from core.security import talisman

    per_view = any(hasattr(view, "talisman_view_options") for view in app.view_functions.values())
    if talisman.force_https or per_view:
        return  # redirects or per-view policies need Talisman's own per-request hooks
    before = app.before_request_funcs[None]
    for hook in (talisman._force_https, talisman._make_nonce):
        if hook in before:
            before.remove(hook)
    after = app.after_request_funcs[None]
    if talisman._set_response_headers in after:
        after[after.index(talisman._set_response_headers)] = _SecurityHeaders(app, talisman)
    if talisman.session_cookie_secure and not app.debug:
        app.config["SESSION_COOKIE_SECURE"] = True  # what Talisman's before-request hook did each time
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def csp_nonce() -> str:
    """The request's CSP nonce, made on first use (only pages with scripts pay for it)."""
    nonce = getattr(request, "csp_nonce", None)
    if not nonce:
        nonce = request.csp_nonce = secrets.token_urlsafe(24)
    return nonce


class _SecurityHeaders:
    """Talisman's headers, computed once by Talisman; per request only the nonce is put in."""

    def __init__(self, app: Flask, talisman):
        self.talisman = talisman
        with app.test_request_context("/"):
            plain = talisman._set_response_headers(Response())
            request.csp_nonce = NONCE_PLACEHOLDER
            with_nonce = talisman._set_response_headers(Response())
        self.headers = [(k, v) for k, v in plain.headers.items() if k.lower() != "content-type"]
        csp_names = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")
        self.nonce_templates = [(k, v) for k, v in with_nonce.headers.items() if k in csp_names]

    def __call__(self, response: Response) -> Response:
        headers = response.headers
        for name, value in self.headers:
            headers[name] = value
        nonce = getattr(request, "csp_nonce", None)
        if nonce:
            for name, template in self.nonce_templates:
                headers[name] = template.replace(NONCE_PLACEHOLDER, nonce)
        self.talisman._set_hsts_headers(headers)  # depends on the request being HTTPS
        return response
