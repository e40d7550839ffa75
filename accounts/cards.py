"""Member card codes: random, not guessable, with a check character.

A code is 12 random characters from an alphabet without look-alikes (no 0/O, 1/I/L),
then one check character (a weighted sum mod 31), e.g. "JF-7KQ2M9XW4RTD" printed as
"JF" + 13 characters. 31^12 ≈ 7.9e17 codes: guessing one is hopeless.
"""

import secrets
from typing import TYPE_CHECKING

import segno

if TYPE_CHECKING:
    from accounts.models import User

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 characters, a prime count
PREFIX = "JF"
BODY_LENGTH = 12


def _check_char(body: str) -> str:
    total = sum((i + 1) * ALPHABET.index(ch) for i, ch in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_card_code() -> str:
    """A fresh random code with its check character."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return PREFIX + body + _check_char(body)


def normalise_card_code(raw: str) -> str | None:
    """The canonical code if raw is well formed with a correct check character, else None.

    Scanners and people add spaces, dashes and lower case; those are forgiven.
    """
    if not isinstance(raw, str) or len(raw) > 64:
        return None
    cleaned = "".join(ch for ch in raw.upper() if ch.isalnum())
    if not cleaned.startswith(PREFIX) or len(cleaned) != len(PREFIX) + BODY_LENGTH + 1:
        return None
    body, check = cleaned[len(PREFIX):-1], cleaned[-1]
    if any(ch not in ALPHABET for ch in body + check) or _check_char(body) != check:
        return None
    return cleaned


def card_context(user: "User") -> dict:
    """What the card template shows: name, community, grouped code and the QR image."""
    code = user.card_code or ""
    qr = segno.make(code, error="m", micro=False) if code else None
    groups = [code[i:i + 4] for i in range(2, len(code), 4)]
    if len(groups) > 1 and len(groups[-1]) == 1:  # no lone check character at the end
        groups[-2:] = [groups[-2] + groups[-1]]
    return {
        "person": user,
        "code_grouped": " ".join([code[:2]] + groups) if code else "",
        "qr_uri": qr.svg_data_uri(scale=4, border=2, dark="#000", light="#fff") if qr else None,
    }
