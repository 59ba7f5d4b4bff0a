from __future__ import annotations

import pytest

from seaway.api.auth import ADMIN_USER, Access, AuthenticationError, Outcome

from .conftest import FakeClock


def _password(access: Access) -> str:
    password = access.initial_password().password
    assert password is not None
    return password


def test_login_gives_a_session_that_authenticates(access: Access, clock: FakeClock) -> None:
    result = access.login(ADMIN_USER, _password(access), "10.0.0.1", session_seconds=60)
    assert result.ok
    assert result.session is not None
    assert result.session not in repr(result)
    assert access.authenticate(result.session).subject == ADMIN_USER
    clock.advance(60)
    with pytest.raises(AuthenticationError, match="expired"):
        access.authenticate(result.session)


def test_unknown_users_and_wrong_passwords_fail_alike(access: Access) -> None:
    unknown = access.login("nobody", "some password", "10.0.0.1")
    wrong = access.login(ADMIN_USER, "some password", "10.0.0.1")
    assert unknown == wrong
    assert not wrong.ok
    assert wrong.reason == "wrong username or password"


def test_repeated_failures_are_throttled_even_with_the_right_password(
    access: Access, clock: FakeClock
) -> None:
    password = _password(access)
    for _ in range(5):
        assert not access.login(ADMIN_USER, "guess guess guess", "6.6.6.6").ok
    blocked = access.login(ADMIN_USER, password, "6.6.6.6")
    assert not blocked.ok
    assert blocked.retry_after == 1.0
    assert access.audit.query(outcome=Outcome.DENIED)[0].detail == {"why": "rate limited"}
    clock.advance(1)
    assert access.login(ADMIN_USER, password, "6.6.6.6").ok


def test_a_forged_session_is_refused(access: Access) -> None:
    with pytest.raises(AuthenticationError):
        access.authenticate("v1.eyJzdWIiOiJhZG1pbiJ9.AAAA")
