"""Checking that a webhook comes from whoever holds the shared secret, in constant time.

GitHub signs the body with HMAC-SHA256 (`X-Hub-Signature-256: sha256=<hex>`); GitLab sends the
secret itself (`X-Gitlab-Token`); the generic form is GitHub's, in a header the server names.
"""

from __future__ import annotations

import hashlib
import hmac

_PREFIX = "sha256="


def body_signature(secret: bytes, body: bytes) -> str:
    return _PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_hmac(secret: bytes, body: bytes, header: str | None) -> bool:
    """`header` is `sha256=<hex>` (or the bare hex) of HMAC-SHA256(secret, body)."""
    if not header:
        return False
    given = header.strip()
    expected = body_signature(secret, body)
    if not given.startswith(_PREFIX):
        expected = expected[len(_PREFIX) :]
    return hmac.compare_digest(given.lower().encode(), expected.encode())


def verify_token(secret: bytes, header: str | None) -> bool:
    if not header:
        return False
    return hmac.compare_digest(header.strip().encode(), secret)
