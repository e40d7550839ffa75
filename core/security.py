"""Security headers (a strict CSP with nonces) and how a web session finds its user."""

from flask import Flask
from flask_talisman import Talisman

from extensions import login_manager

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:", "blob:"],
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "worker-src": ["'self'", "blob:"],
    "form-action": "'self'",
}

talisman = Talisman()


def init_security(app: Flask) -> None:
    """CSP with per-request nonces for script and style; TLS is the proxy's job."""
    talisman.init_app(
        app,
        force_https=False,
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),
        # Behind TLS (secure cookies on), browsers are told to come back over HTTPS only.
        strict_transport_security=bool(app.config.get("SESSION_COOKIE_SECURE")),
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src", "style-src"],
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy={"camera": "(self)", "geolocation": "()", "microphone": "()"},
    )

    @login_manager.user_loader
    def load_user(session_token: str):
        from accounts.sessions import load_session_user

        return load_session_user(session_token)
