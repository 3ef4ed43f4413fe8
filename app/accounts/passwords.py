"""Password hashing (Argon2id) and the password policy."""
from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 1000  # hashing megabytes of "password" is a denial of service, not security
_hasher = PasswordHasher()
# Verified against when the address has no account, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("storyloop-timing-equaliser")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    # The 20,000 most common passwords (Royce Williams' list, as shipped with Django; BSD licence).
    path = Path(__file__).with_name("common-passwords.txt.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return frozenset(line.strip().lower() for line in f if line.strip())


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why this password is not acceptable, in words for the person choosing it; None when it is."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in common_passwords() or len(set(password)) < 3:
        return "That password is too common and easy to guess. Choose another."
    if email and lowered in {email.lower(), email.lower().partition("@")[0]}:
        return "Do not use your email address as your password."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def spend_hash_time(password: str = "") -> None:
    """Run the expensive hash once and throw the result away.

    Paths that would otherwise answer at once (an unknown address, an address that already has an account)
    call this, so that every answer to sign-up, login, "forgotten password" and "email me a sign-in link"
    takes the time of one Argon2 hash whether or not the address is known.
    """
    verify_password(None, password[:MAX_LENGTH] or "storyloop")


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
