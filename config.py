"""Configuration defaults; the environment and instance/config.py override them."""

import ipaddress
import os
import secrets
import sys
from datetime import timedelta

MIN_SECRET_KEY_BYTES = 32
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def env_flag(*names: str) -> bool:
    """True when any of the environment variables is set to 1 (or true/yes)."""
    return any(os.environ.get(name, "").strip().lower() in ("1", "true", "yes") for name in names)


def env_minutes(name: str, default: int) -> int:
    """Whole minutes from the environment (ASCII digits), else default."""
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else default


def default_config(instance_path: str) -> dict:
    """Settings read from the environment, with an embedded SQLite default."""
    sqlite_path = os.path.join(instance_path, "jifen.sqlite3")
    # Production serves over TLS: cookies only over HTTPS, and HSTS (core/security.py).
    secure = env_flag("JIFEN_SECURE_COOKIES", "SESSION_COOKIE_SECURE")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or f"sqlite:///{sqlite_path}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # How many proxies (nginx) put X-Forwarded-For in front of us; 0 trusts none.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0") or 0),
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ["zh_Hans_CN", "en"],
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Also the longest any web session lives on the server (accounts/sessions.py).
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        # A store keeper's web session ends after this many minutes without a request (0: never).
        "KEEPER_IDLE_MINUTES": env_minutes("KEEPER_IDLE_MINUTES", 15),
        # People searches a store keeper may run per minute (counter and API), per keeper.
        "KEEPER_SEARCHES_PER_MINUTE": env_minutes("KEEPER_SEARCHES_PER_MINUTE", 30),
        "API_TOKEN_HOURS": int(os.environ.get("API_TOKEN_HOURS", "12")),
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        "PHOTO_MAX_BYTES": 2 * 1024 * 1024,
        "UPLOAD_FOLDER": os.path.join(instance_path, "uploads"),
        # Sign-in throttling (SPEC): failures within a window, counted in the database.
        "LOGIN_FAILURE_WINDOW_MINUTES": 15,
        "LOGIN_MAX_FAILURES_PER_USERNAME": 10,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 50,
    }


def settle_secret_key(app) -> None:
    """Refuse a missing or short SECRET_KEY outside testing; in debug on loopback only, make one.

    The debug key is random per process (never one public key shared by every install), and
    requests from anywhere but loopback are refused while it is in use.
    """
    key = app.config.get("SECRET_KEY")
    if app.testing:
        if not key:
            app.config["SECRET_KEY"] = secrets.token_hex(32)
        return
    if key:
        if len(str(key).encode()) < MIN_SECRET_KEY_BYTES:
            raise RuntimeError(f"SECRET_KEY is too short: use at least {MIN_SECRET_KEY_BYTES} random bytes "
                               "(scripts/make-secret.sh writes one)")
        return
    debug = app.debug or os.environ.get("FLASK_DEBUG") == "1"
    if not debug:
        raise RuntimeError("SECRET_KEY is not set: export it or put it in instance/config.py")
    host = serving_host()
    if host not in LOOPBACK_NAMES:
        raise RuntimeError(f"SECRET_KEY is not set: a development key is only made for 127.0.0.1, not {host}")
    app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.config["DEBUG_KEY_IN_USE"] = True
    app.before_request(_loopback_only)


def serving_host() -> str:
    """The address `flask run` binds: --host/-h on the command line, else FLASK_RUN_HOST, else 127.0.0.1."""
    argv = sys.argv
    for index, arg in enumerate(argv):
        if arg in ("--host", "-h") and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--host="):
            return arg.split("=", 1)[1]
    return os.environ.get("FLASK_RUN_HOST") or "127.0.0.1"


def _loopback_only():
    """With a development key, only this machine may talk to the app."""
    from flask import abort, request

    try:
        loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        abort(403)
