"""Password hashing with Argon2id (argon2-cffi), and session tokens.

Only hashes are stored: a password is verified against its Argon2 hash, and a session token
against its SHA-256 (a token is 256 random bits, so a fast hash suffices for it).
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

HASHER = PasswordHasher()
"""The hasher of new passwords (argon2-cffi's RFC 9106 low-memory defaults)."""

MIN_LENGTH = 8
MAX_LENGTH = 1024


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (salted, parameters encoded in the hash)."""
    return HASHER.hash(password)


def verify_password(hashed: str, password: str) -> bool:
    """True when ``password`` matches ``hashed``; False for a mismatch or a malformed hash."""
    if not hashed:
        return False
    try:
        return HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    """True when ``hashed`` was made with other parameters than :data:`HASHER`'s."""
    return HASHER.check_needs_rehash(hashed)


def new_token() -> str:
    """A fresh session token: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which a session token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
