"""Access to the HTTP API of a real server: no route but login, health and the signed webhook
answers without credentials; the role matrix of policy.csv; the login rate limit; tokens and
sessions over HTTP; the audit trail of refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from seaway.api.auth import LimitPolicy, LoginLimiter, Outcome, parse_policy
from seaway.api.auth.rbac import Enforcer
from seaway.api.http.app import PUBLIC_ROUTES
from tests.api.live import USER_PASSWORD, live_server

pytestmark = pytest.mark.anyio

POLICY = """
g, alice, role:admin
g, rob, role:readonly
g, dora, role:deployer:team-a
"""


async def test_every_route_but_login_health_and_webhook_needs_credentials(
    tmp_path: Path,
) -> None:
    async with live_server(tmp_path) as live:
        assert live.server.api is not None
        # Every operation the app serves is in its OpenAPI document (none is hidden from it).
        routes = [
            (method.upper(), path)
            for path, operations in live.server.api.openapi()["paths"].items()
            for method in operations
        ]
        paths = {path for _, path in routes}
        # The sweep covers the whole API, so a new route cannot slip past it.
        for expected in (
            "/api/v1/applications",
            "/api/v1/applications/{name}/sync",
            "/api/v1/stream/events",
            "/api/v1/tokens/{name}",
            "/api/openapi.json",
        ):
            assert expected in paths
        async with live.client() as anonymous:
            for method, path in routes:
                url = re.sub(r"\{[^}]+\}", "web-a", path)
                answer = await anonymous.request(method, url, json={})
                if (method, path) in PUBLIC_ROUTES:
                    assert answer.status_code != 401 or path == "/api/webhook", (method, path)
                    continue
                assert answer.status_code == 401, (method, path, answer.status_code)
                assert answer.headers["www-authenticate"] == "Bearer"
            # A forged or foreign credential is no better than none.
            for bad in ("v1.e30.AAAA", "swt_not-a-token", "garbage"):
                answer = await anonymous.get(
                    "/api/v1/applications", headers={"Authorization": f"Bearer {bad}"}
                )
                assert answer.status_code == 401, bad
            assert (await anonymous.get("/healthz")).json() == {"status": "ok"}


async def test_role_matrix(tmp_path: Path) -> None:
    enforcer = Enforcer(parse_policy(POLICY))
    async with live_server(tmp_path, enforcer=enforcer) as live:
        for user in ("alice", "rob", "dora", "nobody"):
            live.add_user(user)
        tokens = {user: await live.login(user, USER_PASSWORD) for user in ("alice", "rob", "dora")}
        tokens["nobody"] = await live.login("nobody", USER_PASSWORD)
        matrix = [
            ("alice", "GET", "/api/v1/applications/web-b", 200),
            ("alice", "POST", "/api/v1/applications/web-b/sync", 202),
            ("rob", "GET", "/api/v1/applications/web-b", 200),
            ("rob", "GET", "/api/v1/applications/web-a/history", 200),
            ("rob", "POST", "/api/v1/applications/web-a/sync", 403),
            ("rob", "POST", "/api/v1/applications/web-a/rollback", 403),
            ("dora", "GET", "/api/v1/applications/web-a", 200),
            ("dora", "POST", "/api/v1/applications/web-a/sync", 202),
            ("dora", "GET", "/api/v1/applications/web-b", 403),
            ("dora", "GET", "/api/v1/applications/web-b/diff", 403),
            ("dora", "POST", "/api/v1/applications/web-b/sync", 403),
            ("dora", "POST", "/api/v1/applications/web-b/refresh", 403),
            ("nobody", "GET", "/api/v1/applications/web-a", 403),
        ]
        for user, method, path, expected in matrix:
            async with live.client(tokens[user]) as api:
                body = {"id": 0} if path.endswith("rollback") else {}
                answer = await api.request(method, path, json=body)
            assert answer.status_code == expected, (user, method, path, answer.text)
        listed = {}
        for user, token in tokens.items():
            async with live.client(token) as api:
                items = (await api.get("/api/v1/applications")).json()["items"]
            listed[user] = sorted(a["name"] for a in items)
        assert listed == {
            "alice": ["web-a", "web-b"],
            "rob": ["web-a", "web-b"],
            "dora": ["web-a"],
            "nobody": [],
        }
        denied = live.access.audit.query(outcome=Outcome.DENIED)
        assert {(e.actor, e.action, e.target) for e in denied} >= {
            ("dora", "applications.sync", "team-b/web-b"),
            ("rob", "applications.sync", "team-a/web-a"),
        }


async def test_token_scopes_narrow_what_its_owner_may_do(tmp_path: Path) -> None:
    async with live_server(tmp_path) as live:
        session = await live.login("admin")
        async with live.client(session) as api:
            made = await api.post(
                "/api/v1/tokens", json={"name": "ci-read", "scopes": ["apps:read"]}
            )
            assert made.status_code == 201, made.text
            secret = made.json()["token"]
            assert secret.startswith("swt_")
            assert [t["name"] for t in (await api.get("/api/v1/tokens")).json()["items"]] == [
                "ci-read"
            ]
        async with live.client(secret) as ci:
            info = (await ci.get("/api/v1/session/userinfo")).json()
            assert info == {
                "loggedIn": True,
                "username": "admin",
                "tokenName": "ci-read",
                "scopes": ["apps:read"],
            }
            assert (await ci.get("/api/v1/applications/web-a")).status_code == 200
            refused = await ci.post("/api/v1/applications/web-a/sync", json={})
            assert refused.status_code == 403
            assert "scopes apps:read" in refused.json()["detail"]
            # A read token cannot mint itself a stronger one.
            assert (
                await ci.post("/api/v1/tokens", json={"name": "x", "scopes": ["admin"]})
            ).status_code == 403
        async with live.client(session) as api:
            assert (await api.delete("/api/v1/tokens/ci-read")).json()["state"] == "revoked"
        async with live.client(secret) as ci:
            answer = await ci.get("/api/v1/applications")
        assert answer.status_code == 401
        assert "revoked" in answer.json()["detail"]
        actions = [e.action for e in live.access.audit.query(actor="admin")]
        assert "token.create" in actions
        assert "token.revoke" in actions


async def test_session_cookie_login_and_logout(tmp_path: Path) -> None:
    async with live_server(tmp_path) as live, live.client() as browser:
        answer = await browser.post(
            "/api/v1/session",
            json={"username": "admin", "password": live.admin_password()},
        )
        assert answer.status_code == 200
        cookie = answer.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        info = await browser.get("/api/v1/session/userinfo")
        assert info.json()["username"] == "admin"
        assert (await browser.delete("/api/v1/session")).json()["loggedIn"] is False
        assert (await browser.get("/api/v1/session/userinfo")).status_code == 401


async def test_login_is_rate_limited(tmp_path: Path) -> None:
    # A delay far longer than the test: on a loaded machine the default first delay (1 s) can
    # pass between two requests, and the test is about the limit, not about its length.
    limiter = LoginLimiter(LimitPolicy(base_delay_seconds=600.0))
    async with live_server(tmp_path, limiter=limiter) as live:
        async with live.client() as client:
            codes = []
            for _ in range(6):
                answer = await client.post(
                    "/api/v1/session", json={"username": "admin", "password": "wrong guess"}
                )
                codes.append(answer.status_code)
            assert codes == [401] * 5 + [429]
            # While limited, even the right password waits: guessing gets no answer at all.
            answer = await client.post(
                "/api/v1/session",
                json={"username": "admin", "password": live.admin_password()},
            )
            assert answer.status_code == 429
            assert int(answer.headers["retry-after"]) >= 1
            assert "too many failures" in answer.json()["detail"]
        outcomes = [e.outcome for e in live.access.audit.query(action="login")]
        assert outcomes.count(Outcome.FAILURE) == 5
        assert outcomes.count(Outcome.DENIED) == 2


async def test_the_openapi_document_is_served_to_a_logged_in_client(tmp_path: Path) -> None:
    async with live_server(tmp_path) as live:
        token = await live.login("admin")
        async with live.client(token) as api:
            spec = (await api.get("/api/openapi.json")).json()
        assert spec["openapi"].startswith("3.")
        assert "/api/v1/applications/{name}/sync" in spec["paths"]
        assert "HTTPBearer" in spec["components"]["securitySchemes"]
