"""Attendance codes: 6 digits from HMAC(the activity's secret, the minute), nothing stored per rotation.

The activity's secret is itself an HMAC of the app's SECRET_KEY and the activity id, so it is
unguessable without the key and needs no column. A code is good in its own 60-second window and
the one after (someone typing it as it changes is not refused).
"""

import hashlib
import hmac
from datetime import UTC, datetime

from flask import current_app

from core.timeutil import utcnow

WINDOW_SECONDS = 60
DIGITS = 6


def _secret(activity_id: int) -> bytes:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"jifen-attendance:{activity_id}".encode(), hashlib.sha256).digest()


def window_of(moment: datetime) -> int:
    return int(moment.timestamp()) // WINDOW_SECONDS


def code_for(activity_id: int, window: int) -> str:
    """The code of one window (dynamic truncation, as in TOTP)."""
    digest = hmac.new(_secret(activity_id), window.to_bytes(8, "big", signed=True), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset:offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 10 ** DIGITS:0{DIGITS}d}"


def current_code(activity_id: int, now: datetime | None = None) -> tuple[str, datetime]:
    """The code shown now and when it changes."""
    window = window_of(now or utcnow())
    return code_for(activity_id, window), datetime.fromtimestamp((window + 1) * WINDOW_SECONDS, UTC)


def well_formed(code) -> bool:
    return isinstance(code, str) and len(code) == DIGITS and code.isascii() and code.isdigit()


def accepts(activity_id: int, code, now: datetime | None = None) -> bool:
    """True for the current window's code or the previous one's."""
    if not well_formed(code):
        return False
    window = window_of(now or utcnow())
    return any(hmac.compare_digest(code, code_for(activity_id, w)) for w in (window, window - 1))
