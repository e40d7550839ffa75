"""Configuration defaults; the environment and instance/config.py override them."""

import os
from datetime import timedelta


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
        "API_TOKEN_HOURS": int(os.environ.get("API_TOKEN_HOURS", "12")),
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        "PHOTO_MAX_BYTES": 2 * 1024 * 1024,
        "UPLOAD_FOLDER": os.path.join(instance_path, "uploads"),
        # Sign-in throttling (SPEC): failures within a window, counted in the database.
        "LOGIN_FAILURE_WINDOW_MINUTES": 15,
        "LOGIN_MAX_FAILURES_PER_USERNAME": 10,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 50,
    }
