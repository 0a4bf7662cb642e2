"""Passwords: how they are hashed and which are refused.

Hashes are Argon2id (argon2-cffi, the reference implementation's binding, with its RFC 9106
"low memory" defaults). Hashes written before (werkzeug's scrypt) still verify, and are replaced
by an Argon2id hash at the next successful login (`needs_rehash`).

A new password must be at least MIN_LENGTH characters and must not be one of the 20 000 most
common passwords (Royce Williams' list as Django ships it, `data/common-passwords.txt.gz`,
BSD licence), compared without case; nor the username. NIST SP 800-63B asks for exactly this:
a minimum length and a blocklist, no composition rules.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

from engine import InvalidData

MIN_LENGTH = 8
MAX_LENGTH = 1024  # a longer one is refused, so that hashing stays bounded
COMMON_PATH = Path(__file__).parent / "data" / "common-passwords.txt.gz"
_hasher = PasswordHasher()


@cache
def _common() -> frozenset[str]:
    with gzip.open(COMMON_PATH, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def problem(password: str, username: str = "") -> str | None:
    """Why `password` may not be chosen (in Swedish), or None when it may."""
    if len(password) < MIN_LENGTH:
        return f"minst {MIN_LENGTH} tecken"
    if len(password) > MAX_LENGTH:
        return f"högst {MAX_LENGTH} tecken"
    if password.casefold() in _common() or (username and password.casefold() == username):
        return "lösenordet är för vanligt och lätt att gissa; välj ett annat, gärna några ord"
    return None


def check(password: str, username: str = "") -> None:
    """InvalidData on the field `password` unless `password` may be chosen."""
    reason = problem(password, username)
    if reason:
        raise InvalidData("invalid password", {"password": reason})


def hash_password(password: str) -> str:
    """Argon2id, salted."""
    return _hasher.hash(password)


def verify(stored: str, password: str) -> bool:
    """Whether `password` matches the stored hash (Argon2id, or an older scrypt one)."""
    if stored.startswith("$argon2"):
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    if stored.startswith("scrypt:") or stored.startswith("pbkdf2:"):
        return check_password_hash(stored, password)
    return False  # an account without a password yet (invited): nothing matches


def needs_rehash(stored: str) -> bool:
    """Whether a hash that verified should be replaced by a current Argon2id one."""
    return not stored.startswith("$argon2") or _hasher.check_needs_rehash(stored)


UNUSABLE = "!"  # the hash of an account that has no password yet (it was invited)
