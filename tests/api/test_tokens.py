from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import ValidationError

from seaway.api.auth import (
    ADMIN_USER,
    STORE_FILE,
    Access,
    AuthenticationError,
    Enforcer,
    InitialPassword,
    Scope,
    TokenError,
    TokenRequest,
    parse_expiry,
    parse_policy,
    scope_allows,
)

from .conftest import FakeClock


def _request(name: str = "ci", *scopes: Scope, expires: str = "30d") -> TokenRequest:
    return TokenRequest(name=name, scopes=scopes or (Scope.APPS_READ,), expires=expires)


def test_a_token_authenticates_as_its_creator_with_its_scopes(access: Access) -> None:
    made = access.create_token(_request("ci", Scope.APPS_SYNC, Scope.APPS_READ), ADMIN_USER)
    assert made.secret.startswith("swt_")
    assert made.secret not in repr(made)
    principal = access.authenticate(made.secret)
    assert principal.subject == ADMIN_USER
    assert principal.scopes == (Scope.APPS_READ, Scope.APPS_SYNC)
    assert principal.token_name == "ci"


def test_scopes_narrow_what_rbac_allows(access: Access) -> None:
    enforcer = Enforcer()
    secret = access.create_token(_request("reader", Scope.APPS_READ), ADMIN_USER).secret
    reader = access.authenticate(secret)
    assert access.authorize(reader, enforcer, "applications", "get", "p/a").allowed
    denied = access.authorize(reader, enforcer, "applications", "sync", "p/a")
    assert not denied.allowed
    assert "apps:read" in denied.reason
    assert secret not in denied.explain()


def test_scopes_never_widen_what_rbac_allows(access: Access) -> None:
    access.store.create_user("carol", "carol's long password", InitialPassword.NONE)
    enforcer = Enforcer(parse_policy("p, carol, applications, get, team/*, allow\n"))
    secret = access.create_token(_request("c", Scope.ADMIN), "carol").secret
    carol = access.authenticate(secret)
    assert access.authorize(carol, enforcer, "applications", "get", "team/web").allowed
    assert not access.authorize(carol, enforcer, "applications", "delete", "team/web").allowed


def test_scope_table() -> None:
    assert scope_allows([Scope.APPS_READ], "rollouts", "get") is Scope.APPS_READ
    assert scope_allows([Scope.APPS_READ], "applications", "sync") is None
    assert scope_allows([Scope.APPS_SYNC], "applications", "sync") is Scope.APPS_SYNC
    assert scope_allows([Scope.APPS_SYNC], "applications", "delete") is None
    assert scope_allows([Scope.PROMOTE], "promotions", "promote") is Scope.PROMOTE
    assert scope_allows([Scope.PROMOTE], "promotions", "approve") is None
    assert scope_allows([Scope.ADMIN], "clusters", "delete") is Scope.ADMIN


def test_a_token_expires(access: Access, clock: FakeClock) -> None:
    secret = access.create_token(_request(expires="1h"), ADMIN_USER).secret
    clock.advance(3_599)
    access.authenticate(secret)
    clock.advance(1)
    with pytest.raises(AuthenticationError, match="expired") as raised:
        access.authenticate(secret)
    assert secret not in str(raised.value)


def test_a_never_expiring_token(access: Access, clock: FakeClock) -> None:
    made = access.create_token(_request(expires="never"), ADMIN_USER)
    assert made.record.expires_at is None
    clock.advance(10 * 365 * 86_400)
    access.authenticate(made.secret)


def test_revocation_is_immediate_and_frees_the_name(access: Access) -> None:
    secret = access.create_token(_request("deploy"), ADMIN_USER).secret
    with pytest.raises(TokenError, match="exists"):
        access.create_token(_request("deploy"), ADMIN_USER)
    revoked = access.revoke_token("deploy", "cli:test")
    assert revoked.revoked_at is not None
    with pytest.raises(AuthenticationError, match="revoked"):
        access.authenticate(secret)
    with pytest.raises(TokenError, match="no live token"):
        access.revoke_token("deploy", "cli:test")
    again = access.create_token(_request("deploy"), ADMIN_USER)
    access.authenticate(again.secret)
    assert [t.state(0) for t in access.tokens(include_revoked=True)] == ["revoked", "active"]
    assert [t.name for t in access.tokens()] == ["deploy"]


def test_unknown_tokens_are_refused(access: Access) -> None:
    with pytest.raises(AuthenticationError, match="unknown"):
        access.authenticate("swt_" + "x" * 43)


def test_last_use_is_recorded(access: Access, clock: FakeClock) -> None:
    secret = access.create_token(_request(), ADMIN_USER).secret
    assert access.tokens()[0].last_used_at is None
    clock.advance(5)
    access.authenticate(secret)
    assert access.tokens()[0].last_used_at == clock.now


def test_only_hashes_are_stored(access: Access, tmp_path: Path) -> None:
    secrets = [access.create_token(_request(f"t{i}"), ADMIN_USER).secret for i in range(3)]
    access.revoke_token("t0", "cli:test")
    access.close()
    data = b"".join(p.read_bytes() for p in (tmp_path / "data").glob(f"{STORE_FILE}*"))
    assert data
    for secret in secrets:
        assert secret.encode() not in data
        assert secret[4:].encode() not in data


def test_requests_are_validated() -> None:
    assert _request(expires="2w").expiry_seconds() == 14 * 86_400
    with pytest.raises(ValidationError, match="scopes"):
        TokenRequest(name="ci", scopes=())
    with pytest.raises(ValidationError, match="token name"):
        TokenRequest(name="bad name", scopes=(Scope.ADMIN,))
    with pytest.raises(ValidationError):
        TokenRequest.model_validate({"name": "ci", "scopes": ["root"]})
    with pytest.raises(ValidationError, match="invalid expiry"):
        TokenRequest(name="ci", scopes=(Scope.ADMIN,), expires="soon")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("12h", 43_200), ("30d", 2_592_000), ("NEVER", None)],
)
def test_expiry_syntax(text: str, seconds: int | None) -> None:
    assert parse_expiry(text) == seconds


def test_the_store_is_shared_safely_between_threads(access: Access) -> None:
    def make(n: int) -> str:
        secret = access.create_token(_request(f"t{n}"), ADMIN_USER).secret
        access.authenticate(secret)
        return secret

    with ThreadPoolExecutor(max_workers=8) as pool:
        secrets = list(pool.map(make, range(40)))
    assert len(set(secrets)) == 40
    assert len(access.tokens()) == 40
    assert len(access.audit.query(action="token.create", limit=100)) == 40
