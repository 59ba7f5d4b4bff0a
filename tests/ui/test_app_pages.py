"""The web UI of a real server (controller on the local backend, apps from a real Git repo,
uvicorn on 127.0.0.1) in headless Chromium: logging in, the applications with their badges, an
app's resource tree, a drift's diff, a rollback from the history, and what a read-only user may
not do. The pages' own access rules are checked over plain HTTP as well."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
from playwright.async_api import Page
from starlette.routing import Route

from seaway.api.auth import Outcome, parse_policy
from seaway.api.auth.rbac import Enforcer
from seaway.api.http.app import PUBLIC_ROUTES
from seaway.api.ui import pages as ui_pages
from seaway.api.ui import rollout_pages
from tests.api.live import USER_PASSWORD, Live, configmap, live_server, revision_of, sync_of
from tests.ui.browser import chromium, log_in, needs_chromium, session

pytestmark = pytest.mark.anyio


async def until_attribute(page: Page, selector: str, name: str, value: str) -> None:
    """Reload until the element's attribute reads `value` (pages are rendered on the server)."""
    deadline = time.monotonic() + 60
    seen: str | None = None
    while time.monotonic() < deadline:
        seen = await page.get_attribute(selector, name)
        if seen == value:
            return
        await asyncio.sleep(0.3)
        await page.reload()
    raise AssertionError(f"{selector} {name}={seen!r}, never {value!r}")


async def test_pages_need_a_login_and_forms_from_other_sites_are_refused(tmp_path: Path) -> None:
    async with live_server(tmp_path) as live:
        assert live.server.api is not None
        pages = [
            (method, route.path)
            for route in (*ui_pages.router.routes, *rollout_pages.router.routes)
            if isinstance(route, Route)
            for method in sorted(route.methods or ())
            if method != "HEAD"
        ]
        assert ("GET", "/apps/{name}") in pages
        assert ("POST", "/apps/{name}/rollback") in pages
        assert ("GET", "/apps/{name}/rollouts/{rollout}/status.json") in pages
        async with live.client(follow_redirects=False) as anonymous:
            for method, path in pages:
                url = re.sub(r"\{[^}]+\}", "web-a", path)
                answer = await anonymous.request(method, url)
                if (method, path) in PUBLIC_ROUTES:
                    assert answer.status_code in (200, 401, 404), (method, path)
                    continue
                assert answer.status_code == 303, (method, path, answer.status_code)
                assert answer.headers["location"].startswith("/login"), (method, path)
            answer = await anonymous.get("/apps/web-a?done=x")
            assert answer.headers["location"] == "/login?next=/apps/web-a%3Fdone%3Dx"
            # A failed login says why and sets no cookie; `next` never leaves the site.
            wrong = await anonymous.post(
                "/login", data={"username": "admin", "password": "nope", "next": "//evil.example"}
            )
            assert wrong.status_code == 401
            assert "seaway.token" not in wrong.cookies
            good = await anonymous.post(
                "/login",
                data={"username": "admin", "password": live.admin_password(), "next": "//x.y"},
            )
            assert (good.status_code, good.headers["location"]) == (303, "/")
            token = good.cookies["seaway.token"]
        async with live.client(cookies={"seaway.token": token}) as browser_like:
            forged = await browser_like.post(
                "/apps/web-a/sync", headers={"Origin": "https://evil.example"}
            )
            assert forged.status_code == 403
            assert "another site" in forged.text
            assert sync_of(live.status("web-a")) != "Synced"
            # The API's routes keep their JSON errors next to the pages' HTML ones.
            missing = await browser_like.get("/api/v1/applications/nope")
            assert missing.json() == {"detail": "no Application 'nope'"}
            page = await browser_like.get("/apps/nope")
            assert page.status_code == 404
            assert "text/html" in page.headers["content-type"]


async def drift(live: Live, app: str, value: str) -> None:
    """Change the live ConfigMap behind Git's back, as `kubectl edit` would."""
    backend = live.control.backend
    obj = await backend.get("v1", "ConfigMap", "settings", f"ns-{app}")
    assert obj is not None
    await backend.apply({**obj, "data": {"version": value}})


@needs_chromium
async def test_log_in_see_apps_diff_after_drift_and_roll_back(tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    async with live_server(tmp_path / "server") as live, chromium() as browser:
        first = live.upstream.git("rev-parse", "HEAD")
        async with session(browser, live.url) as (_, page):
            await log_in(page, "admin", live.admin_password())
            cards = page.locator(".card")
            assert await cards.count() == 2
            web_a = page.locator(".card[data-app=web-a]")
            assert await web_a.locator("[data-sync]").get_attribute("data-sync") == "OutOfSync"
            assert "team-a" in await web_a.inner_text()
            # The filter narrows the cards to one project.
            await page.select_option("select[name=project]", "team-b")
            await page.click(".filters button")
            assert await page.locator(".card").count() == 1
            assert await page.locator(".card").get_attribute("data-app") == "web-b"

            await page.goto("/apps/web-a")
            await page.click("#sync")
            await page.wait_for_url("**/apps/web-a?done=sync+requested")
            assert "sync requested" in await page.inner_text(".notice")
            await until_attribute(page, ".badges [data-sync]", "data-sync", "Synced")
            tree = page.locator("#tree")
            assert await tree.locator("[data-label=web-a]").count() == 1
            assert await tree.locator("[data-label=ConfigMap]").count() == 1
            assert await tree.locator("[data-label='ns-web-a/settings']").count() == 1
            assert "Live state matches Git." in await page.inner_text("#diff")

            second = live.upstream.commit({"app/config.yaml": configmap("settings", version="v2")})
            await page.click("#sync")
            await live.wait_for(
                "web-a", lambda s: revision_of(s) == second and sync_of(s) == "Synced"
            )

            await drift(live, "web-a", "hacked")
            await page.click("#refresh")
            await until_attribute(page, ".badges [data-sync]", "data-sync", "OutOfSync")
            diff = await page.inner_text("#diff")
            assert "ConfigMap" in diff
            assert await page.locator("pre.diff .del", has_text="hacked").count() == 1
            assert await page.locator("pre.diff .add", has_text="v2").count() == 1
            shots.mkdir()
            await page.screenshot(path=str(shots / "app.png"), full_page=True)

            # The history lists both syncs, newest first; roll back to the first.
            rows = page.locator("#history tr[data-history]")
            assert await rows.count() == 2
            assert await rows.first.get_attribute("data-history") == "1"
            await page.locator("#history tr[data-history='0'] button.rollback").click()
            await page.wait_for_url("**/apps/web-a?done=rollback*")
            await live.wait_for(
                "web-a",
                lambda s: (
                    revision_of(s) == first
                    and (s.get("operationState") or {}).get("phase") == "Succeeded"
                ),
            )
            live_obj = await live.control.backend.get("v1", "ConfigMap", "settings", "ns-web-a")
            assert live_obj is not None
            assert live_obj["data"] == {"version": "v1"}
    png = (shots / "app.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000


@needs_chromium
async def test_read_only_user_sees_no_sync_and_is_refused(tmp_path: Path) -> None:
    enforcer = Enforcer(parse_policy("g, rob, role:readonly\n"))
    async with live_server(tmp_path, enforcer=enforcer) as live, chromium() as browser:
        live.add_user("rob")
        async with session(browser, live.url) as (_, page):
            await log_in(page, "rob", USER_PASSWORD)
            assert await page.inner_text("#username") == "rob"
            await page.goto("/apps/web-a")
            assert await page.locator("#refresh").count() == 1
            assert await page.locator("#sync").count() == 0
            assert await page.locator("button.rollback").count() == 0
            # The browser's cookie, posting the form the page did not offer.
            refused = await page.request.post("/apps/web-a/sync", form={"prune": "on"})
            assert refused.status == 403
            assert "permission denied" in await refused.text()
            # Logging out ends the page's access.
            await page.click(".who button")
            await page.wait_for_url("**/login")
            await page.goto("/apps/web-a")
            assert "/login?next=/apps/web-a" in page.url
        assert sync_of(live.status("web-a")) != "Synced"
        refusals = live.access.audit.query(actor="rob", action="applications.sync")
        assert [e.outcome for e in refusals] == [Outcome.DENIED]
