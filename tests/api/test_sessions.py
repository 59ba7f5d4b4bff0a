from __future__ import annotations

import pytest

from seaway.api.auth import SessionError, SessionSigner
from seaway.api.auth.sessions import new_session_key

from .conftest import FakeClock


def test_a_session_verifies_until_it_expires(clock: FakeClock) -> None:
    signer = SessionSigner(new_session_key(), clock)
    token = signer.issue("alice", generation=3, seconds=60)
    session = signer.verify(token)
    assert (session.subject, session.generation) == ("alice", 3)
    assert session.expires_at == clock.now + 60
    clock.advance(60)
    with pytest.raises(SessionError, match="expired"):
        signer.verify(token)


def test_a_changed_payload_or_another_key_fails(clock: FakeClock) -> None:
    signer = SessionSigner(new_session_key(), clock)
    token = signer.issue("alice", 1)
    version, payload, mac = token.split(".")
    forged = SessionSigner(new_session_key(), clock).issue("admin", 1)
    with pytest.raises(SessionError, match="signature"):
        signer.verify(forged)
    with pytest.raises(SessionError, match="signature"):
        signer.verify(f"{version}.{forged.split('.')[1]}.{mac}")
    with pytest.raises(SessionError, match="signature"):
        signer.verify(f"{version}.{payload}x.{mac}")
    for garbage in ("", "v1", "v2.a.b", "v1.a.b.c", "v1.a.!!!"):
        with pytest.raises(SessionError) as raised:
            signer.verify(garbage)
        assert "garbage" not in str(raised.value)


def test_keys_stay_out_of_reprs_and_short_keys_are_refused() -> None:
    key = new_session_key()
    assert key.hex() not in repr(SessionSigner(key))
    assert repr(key) not in repr(SessionSigner(key))
    with pytest.raises(ValueError, match="at least"):
        SessionSigner(b"short")
