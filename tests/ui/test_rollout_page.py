"""A Rollout's page in headless Chromium, on a real server whose rollout driver moves a canary
on the local backend: the steps, the analysis (a web metric measured from a real HTTP server
here) with its measurements in the chart, and the chart redrawing itself as a promote moves the
weight from 20% to 60%; a screenshot of it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.async_api import Page

from tests.api.live import Live, health_of, live_server, revision_of, sync_of
from tests.rollout.helpers import http_server
from tests.rollout.local.workload import rollout, service
from tests.ui.browser import chromium, log_in, needs_chromium, session

pytestmark = pytest.mark.anyio

STEPS = [
    {"setWeight": 20},
    {"analysis": {"templates": [{"templateName": "error-rate"}]}},
    {"pause": {}},
    {"setWeight": 60},
    {"pause": {}},
]
RATES = iter([0.01, 0.03, 0.02])


def error_rate(url: str) -> dict[str, Any]:
    metric = {
        "name": "error-rate",
        "count": 3,
        "interval": "200ms",
        "successCondition": "result <= 0.05",
        "provider": {"web": {"url": url, "jsonPath": "{$.rate}"}},
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "error-rate"},
        "spec": {"metrics": [metric]},
    }


def manifests(version: str, metrics: str) -> dict[str, str]:
    docs: list[dict[str, Any]] = [
        rollout(version, {"canary": {"steps": STEPS}}),
        service("web"),
        error_rate(metrics),
    ]
    for doc in docs:
        doc["metadata"].pop("namespace", None)
        doc["metadata"].pop("labels", None)
    return {"web/all.yaml": yaml.safe_dump_all(docs)}


async def until(live: Live, sha: str, health: str) -> None:
    def reached(status: dict[str, Any]) -> bool:
        live.control.controller.enqueue("web", refresh=True)
        return (revision_of(status), sync_of(status), health_of(status)) == (sha, "Synced", health)

    await live.wait_for("web", reached, timeout=90)


async def until_text(page: Page, selector: str, text: str) -> None:
    """The page's script updates it: no reload here."""
    deadline = time.monotonic() + 60
    while (seen := await page.inner_text(selector)) != text:
        assert time.monotonic() < deadline, f"{selector} shows {seen!r}, never {text!r}"
        await asyncio.sleep(0.2)


def heights(points: str) -> set[str]:
    return {pair.split(",")[1] for pair in points.split()}


@needs_chromium
async def test_watch_the_chart_follow_a_promoted_canary(tmp_path: Path) -> None:
    shot = tmp_path / "shots" / "rollout.png"
    with http_server(lambda _r, _b: (200, {"rate": next(RATES, 0.02)})) as metrics:
        async with live_server(tmp_path / "server", apps=()) as live, chromium() as browser:
            first = live.upstream.commit(manifests("v1", metrics), "v1")
            live.write_app(
                "web",
                "team-a",
                source={"repoURL": live.upstream.url, "targetRevision": "main", "path": "web"},
                destination={"name": "in-cluster", "namespace": "demo"},
                syncPolicy={"automated": {}, "syncOptions": ["CreateNamespace=true"]},
            )
            await until(live, first, "Healthy")
            second = live.upstream.commit(manifests("v2", metrics), "v2")
            await until(live, second, "Suspended")

            async with session(browser, live.url) as (context, page):
                await log_in(page, "admin", live.admin_password())
                await page.goto("/apps/web")
                await page.click("a[href='/apps/web/rollouts/web']")
                await page.wait_for_url("**/apps/web/rollouts/web")
                assert await page.inner_text("#weight") == "20"
                assert await page.get_attribute("#phase .badge", "data-phase") == "Paused"
                assert await page.get_attribute(".steps li.current", "data-step") == "2"
                steps = await page.locator(".steps li").all_inner_texts()
                assert steps[:2] == ["set weight 20%", "analysis error-rate"]
                assert steps[3] == "set weight 60%"
                # The analysis ran before the pause: its result, and a dot per measurement.
                assert "Successful" in await page.inner_text("#analyses")
                assert await page.locator("#measurements circle").count() == 3
                assert await page.locator("#measurements circle.successful").count() == 3
                dot = await page.locator("#measurements circle title").first.text_content()
                assert "error-rate = 0.01 (Successful" in (dot or "")
                for command in ("promote", "promote-full", "abort", "retry", "pause", "resume"):
                    assert await page.locator(f"#cmd-{command}").count() == 1, command
                # The script polls the status: the chart gains samples without a reload.
                chart = page.locator("#chart")
                deadline = time.monotonic() + 30
                while int(await chart.get_attribute("data-points") or 0) < 3:
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.2)
                before = await page.get_attribute("#weight-line", "points") or ""
                assert len(heights(before)) == 1

                # Another tab promotes; the first one, not reloaded, follows the weight.
                other = await context.new_page()
                await other.goto("/apps/web/rollouts/web")
                await other.click("#cmd-promote")
                await other.wait_for_url("**/apps/web/rollouts/web?done=promote+queued")
                assert "promote queued" in await other.inner_text(".notice")
                await until_text(page, "#weight", "60")
                deadline = time.monotonic() + 30
                while len(heights(await page.get_attribute("#weight-line", "points") or "")) < 2:
                    assert time.monotonic() < deadline, "the chart never showed the new weight"
                    await asyncio.sleep(0.2)
                # The step list follows too: the canary waits at the second pause.
                while await page.get_attribute(".steps li.current", "data-step") != "4":
                    assert time.monotonic() < deadline, "the step list never moved to the pause"
                    await asyncio.sleep(0.2)
                # A reload (as after a button's post) keeps the tab's samples.
                await page.reload()
                assert len(heights(await page.get_attribute("#weight-line", "points") or "")) == 2
                shot.parent.mkdir()
                await page.screenshot(path=str(shot), full_page=True)
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000
