"""Session tokens for logged-in users: a signed, expiring claim, HMAC-SHA256 with a server key.

`itsdangerous` is not a dependency, and the format needs little: `v1.<payload>.<mac>` with the
payload base64url JSON (subject, issued, expires, the user's session generation). The MAC covers
the version and payload; it is compared with `hmac.compare_digest`, and nothing in the payload is
trusted before it verifies. The generation lets a password change end every session at once:
the store bumps it and sessions signed for the old one stop verifying at the caller.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]

KEY_BYTES = 32
DEFAULT_SESSION_SECONDS = 12 * 3_600
_VERSION = "v1"


class SessionError(Exception):
    """A session token that does not verify; the message says why, never the token."""


@dataclass(frozen=True)
class Session:
    subject: str
    issued_at: float
    expires_at: float
    generation: int


def new_session_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


class SessionSigner:
    def __init__(self, key: bytes, clock: Clock = time.time) -> None:
        if len(key) < KEY_BYTES:
            raise ValueError(f"a session key needs at least {KEY_BYTES} bytes")
        self._key = key
        self._clock = clock

    def __repr__(self) -> str:
        return "SessionSigner(key=<hidden>)"

    def issue(self, subject: str, generation: int, seconds: float = DEFAULT_SESSION_SECONDS) -> str:
        now = self._clock()
        claims = {"sub": subject, "iat": now, "exp": now + seconds, "gen": generation}
        payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode())
        signed = f"{_VERSION}.{payload}"
        return f"{signed}.{_b64encode(self._mac(signed))}"

    def verify(self, token: str) -> Session:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _VERSION:
            raise SessionError("not a Seaway session token")
        signed = f"{parts[0]}.{parts[1]}"
        try:
            mac = _b64decode(parts[2])
        except ValueError:
            raise SessionError("not a Seaway session token") from None
        if not hmac.compare_digest(mac, self._mac(signed)):
            raise SessionError("the session's signature does not verify")
        session = _claims(parts[1])
        if self._clock() >= session.expires_at:
            raise SessionError("the session has expired")
        return session

    def _mac(self, signed: str) -> bytes:
        return hmac.new(self._key, signed.encode(), hashlib.sha256).digest()


def _claims(payload: str) -> Session:
    # Only reached with a valid MAC, so a failure here is a bug or a changed format, not an
    # attack; it is still reported as a bad token rather than a crash.
    try:
        claims = json.loads(_b64decode(payload))
        return Session(
            subject=str(claims["sub"]),
            issued_at=float(claims["iat"]),
            expires_at=float(claims["exp"]),
            generation=int(claims["gen"]),
        )
    except (ValueError, KeyError, TypeError):
        raise SessionError("the session's claims cannot be read") from None


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc
