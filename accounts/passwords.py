"""Argon2id password hashing."""

import os

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# The test suite sets JIFEN_FAST_PASSWORD_HASHES=1: same algorithm, minimal cost, so
# hundreds of test users don't spend minutes hashing. Never set it in production.
_hasher = (
    PasswordHasher.from_parameters(profiles.CHEAPEST)
    if os.environ.get("JIFEN_FAST_PASSWORD_HASHES") == "1"
    else PasswordHasher()
)
# A real hash to verify against when the username is unknown, so timing does not tell.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    """True when password matches; always spends the same work, known user or not."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
