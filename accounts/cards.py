"""Member card codes: random, not guessable, with a check character.

A code is 12 random characters from an alphabet without look-alikes (no 0/O, 1/I/L),
then one check character (a weighted sum mod 31), e.g. "JF-7KQ2M9XW4RTD" printed as
"JF" + 13 characters. 31^12 ≈ 7.9e17 codes: guessing one is hopeless.
"""

import secrets

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
