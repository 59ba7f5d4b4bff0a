"""API tokens for CI: random bearer secrets with scopes and an expiry, kept only as hashes.

A token is shown once, when it is made; Seaway keeps its SHA-256 and finds it by that hash. A
plain hash (not argon2) is right here: the token is 256 random bits, so there is nothing to
guess offline, and a lookup by hash must stay fast on every API call.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Recognisable in a leaked log or a secret scanner's rules, like GitHub's `ghp_`.
TOKEN_PREFIX = "swt_"  # noqa: S105 (a prefix, not a secret)
TOKEN_BYTES = 32
DEFAULT_EXPIRY = "90d"
NEVER = "never"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
_DURATION = re.compile(r"([1-9]\d{0,5})([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}


class Scope(StrEnum):
    APPS_READ = "apps:read"
    APPS_SYNC = "apps:sync"
    PROMOTE = "promote"
    ADMIN = "admin"


# What each scope may do at most, as (resource, action) pairs; "*" is any. The token's owner
# must also be allowed by RBAC: a scope narrows what its creator may do, it never widens it.
_SCOPE_GRANTS: dict[Scope, frozenset[tuple[str, str]]] = {
    Scope.APPS_READ: frozenset({("*", "get")}),
    Scope.APPS_SYNC: frozenset({("applications", "get"), ("applications", "sync")}),
    Scope.PROMOTE: frozenset(
        {
            ("applications", "get"),
            ("promotions", "get"),
            ("promotions", "promote"),
            ("rollouts", "get"),
            ("rollouts", "promote"),
            ("gates", "get"),
        }
    ),
    Scope.ADMIN: frozenset({("*", "*")}),
}


def scope_allows(scopes: Iterable[Scope], resource: str, action: str) -> Scope | None:
    """The scope that covers the request, or None."""
    for scope in scopes:
        for granted_resource, granted_action in _SCOPE_GRANTS[scope]:
            if granted_resource in ("*", resource) and granted_action in ("*", action):
                return scope
    return None


def parse_expiry(text: str) -> int | None:
    """Seconds until a token expires, from "90d", "12h", "2w", or None for "never"."""
    stripped = text.strip().lower()
    if stripped == NEVER:
        return None
    match = _DURATION.fullmatch(stripped)
    if match is None:
        raise ValueError(
            f"invalid expiry {text!r}: use a number and a unit (s, m, h, d, w), e.g. 30d, "
            f"or {NEVER!r}"
        )
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenRequest(BaseModel):
    """What a user asks for when making a token (CLI or API input)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="A name for people: unique among tokens not revoked.")
    scopes: tuple[Scope, ...] = Field(min_length=1)
    expires: str = DEFAULT_EXPIRY

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.fullmatch(value):
            raise ValueError(
                "a token name has 1 to 63 letters, digits, '.', '_' or '-', "
                "and starts with a letter or digit"
            )
        return value

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: tuple[Scope, ...]) -> tuple[Scope, ...]:
        return tuple(sorted(set(value)))

    @field_validator("expires")
    @classmethod
    def _expires(cls, value: str) -> str:
        parse_expiry(value)
        return value

    def expiry_seconds(self) -> int | None:
        return parse_expiry(self.expires)


@dataclass(frozen=True)
class ApiToken:
    """A token's record: everything but the secret, which Seaway does not have."""

    name: str
    created_by: str
    scopes: tuple[Scope, ...]
    created_at: float
    expires_at: float | None
    last_used_at: float | None
    revoked_at: float | None

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def state(self, now: float) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expired(now) else "active"


@dataclass(frozen=True)
class NewToken:
    """A token just made: the secret is here once, to show to its creator, and out of repr."""

    record: ApiToken
    secret: str = field(repr=False)
