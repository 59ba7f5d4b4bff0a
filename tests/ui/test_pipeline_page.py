"""The pipeline page of a real server in headless Chromium: an env repo with dev, staging and
prod branches (the promotion tests' world: real Git, Applications reconciled on the local
backend), prod manual with two approvals required. The admin approves in the browser (held:
one more needed), a read-only user sees no button and is refused, a deployer's approval
promotes: a real commit on the prod branch with both approvers as trailers."""

from __future__ import annotations

from pathlib import Path

import pytest

from seaway.api.auth import Access, Enforcer, Outcome, parse_policy
from seaway.api.auth.store import InitialPassword
from seaway.api.server import ApiServer
from tests.api.live import USER_PASSWORD
from tests.controller.test_promotion_local import KUSTOMIZATION, SLEEP, World
from tests.gitrepo import git
from tests.ui.browser import chromium, log_in, needs_chromium, session

pytestmark = pytest.mark.anyio

MANUAL_PROD = {
    "promotion": "manual",
    "approvals": {"count": 2, "roles": ["role:admin", "role:deployer:shop"]},
}
# Deployers promote but do not approve: dora also holds a role that may sign releases off.
POLICY = """
p, role:approver, promotions, approve, shop/*, allow
g, dora, role:deployer:shop
g, dora, role:approver
g, rob, role:readonly
"""


def staging_runs_v2(w: World) -> None:
    clone = w.tmp / "staging-clone"
    git(w.tmp, "clone", "--quiet", "--branch", "staging", str(w.remote), str(clone))
    (clone / "web/kustomization.yaml").write_text(KUSTOMIZATION.format(stage="staging", tag="v2"))
    git(clone, "commit", "--quiet", "-am", "staging: web v2")
    git(clone, "push", "--quiet", "origin", "HEAD:staging")


@needs_chromium
async def test_approve_a_waiting_promotion_in_the_browser(tmp_path: Path) -> None:
    w = World(tmp_path, MANUAL_PROD, SLEEP, [])
    await w.start()
    assert w.control is not None
    assert w.loop is not None
    staging_runs_v2(w)
    await w.reconcile("dev", "staging", "prod")
    access = Access(tmp_path / "data")
    for user in ("dora", "rob"):
        access.store.create_user(user, USER_PASSWORD, InitialPassword.NONE)
    admin_password = access.initial_password().password
    assert admin_password is not None
    server = ApiServer(
        w.control.controller,
        access,
        port=0,
        enforcer=Enforcer(parse_policy(POLICY)),
        promotions=w.loop,
    )
    await server.start()
    try:
        async with chromium() as browser:
            async with session(browser, server.url) as (_, page):
                await log_in(page, "admin", admin_password)
                await page.click("nav a[href='/pipeline']")
                await page.wait_for_url("**/pipeline")
                stages = page.locator(".stage")
                assert await stages.evaluate_all("els => els.map(e => e.dataset.stage)") == [
                    "dev",
                    "staging",
                    "prod",
                ]
                releases = page.locator(".stage [data-release]")
                assert await releases.evaluate_all("els => els.map(e => e.dataset.release)") == [
                    "v2",
                    "v2",
                    "v1",
                ]
                prod = page.locator(".gate[data-gate=prod]")
                assert "needs 2 more approvals" in await prod.inner_text()
                assert await prod.locator("[data-hold=approval]").count() == 1
                assert "registry.example/web:v1" in await page.inner_text(".stage[data-stage=prod]")
                await prod.locator("button.approve").click()
                await page.wait_for_url("**/pipeline?done=*")
                notice = await page.inner_text(".notice")
                assert notice.startswith("approval by admin recorded; still held: needs 1 more")
                assert "approved by admin" in await page.inner_text(".gate[data-gate=prod]")
                # One approval per person: the button is gone for the admin.
                assert await page.locator("button.approve").count() == 0
                shot = tmp_path / "pipeline.png"
                await page.screenshot(path=str(shot), full_page=True)
                assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
            assert w.tag("prod") == "v1"

            async with session(browser, server.url) as (_, page):
                await log_in(page, "rob", USER_PASSWORD)
                await page.goto("/pipeline")
                assert await page.locator("button.approve").count() == 0
                refused = await page.request.post("/pipeline/web/prod/approve")
                assert refused.status == 403
            assert w.tag("prod") == "v1"

            async with session(browser, server.url) as (_, page):
                await log_in(page, "dora", USER_PASSWORD)
                await page.goto("/pipeline")
                await page.locator(".gate[data-gate=prod] button.approve").click()
                await page.wait_for_url("**/pipeline?done=*")
                assert (await page.inner_text(".notice")).startswith(
                    "promoted v2 staging -> prod: commit "
                )
        assert w.tag("prod") == "v2"
        trailers = git(w.remote, "log", "-1", "--format=%(trailers:only,unfold)", "prod")
        assert "Approved-by: admin\nApproved-by: dora" in trailers
        # Not allowed to approve, rob was checked for the right to promote what others approved.
        refusals = access.audit.query(actor="rob", action="promotions.promote")
        assert [e.outcome for e in refusals] == [Outcome.DENIED]
        [approval] = access.audit.query(actor="dora", action="promotions.approve")
        assert approval.detail["result"].startswith("promoted v2 staging -> prod")
    finally:
        await server.stop()
        await w.control.close()
        access.close()
