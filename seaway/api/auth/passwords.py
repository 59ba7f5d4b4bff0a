"""Password hashes: argon2id, never the passwords themselves.

RFC 9106's second recommended profile (argon2id, 64 MiB, 3 passes, 4 lanes): memory-hard enough
to make offline guessing costly, cheap enough (~0.1 s) for a login. Hashes made with older
parameters still verify and report that they want a rehash, so raising the cost later upgrades
each hash at its owner's next login.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# 24 random bytes: 192 bits, 32 URL-safe characters, far past any online or offline guessing.
GENERATED_PASSWORD_BYTES = 24
MIN_PASSWORD_LENGTH = 12

_HASHER = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)


class PasswordPolicyError(ValueError):
    """A new password that Seaway refuses; the message never quotes the password."""


@dataclass(frozen=True)
class PasswordCheck:
    ok: bool
    needs_rehash: bool = False


def generate_password() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def hash_password(password: str) -> str:
    check_password_policy(password)
    return _HASHER.hash(password)


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password:
        # Leading or trailing blanks are nearly always a copy-and-paste accident that would
        # lock the user out at the next login.
        raise PasswordPolicyError("a password may not begin or end with white space")


def verify_password(stored_hash: str, password: str) -> PasswordCheck:
    try:
        _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return PasswordCheck(ok=False)
    return PasswordCheck(ok=True, needs_rehash=_HASHER.check_needs_rehash(stored_hash))


# Verified against when the user does not exist, so that an unknown name costs the same time as
# a wrong password and the login does not tell which names exist.
@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


def burn_verification_time(password: str) -> None:
    verify_password(_dummy_hash(), password)
