"""Sync windows enforced by the controller's own reconcile, on the local backend with a real Git
repo: a deny window holds the automated sync (the app stays OutOfSync and says which window and
until when), refuses a manual sync unless manualSync allows it, and after the window the held
sync runs. The reconciler's clock is driven by the test; no real window is waited for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from seaway.controller.service import LocalControl, Settings, build_local
from seaway.controller.windows import HOLD_CONDITION
from tests.gitrepo import Upstream

pytestmark = pytest.mark.anyio

CONFIG = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {color: %s}\n"


class World:
    def __init__(self, tmp: Path) -> None:
        self.repo = Upstream(tmp / "env")
        self.repo.commit({"web/config.yaml": CONFIG % "blue"})
        self.apps = tmp / "apps"
        self.apps.mkdir()
        self.now = dt.datetime(2026, 6, 3, 23, 0, tzinfo=dt.UTC)
        self.control: LocalControl | None = None

    def write(self, *, automated: bool, manual_sync: bool = False) -> None:
        project = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AppProject",
            "metadata": {"name": "shop"},
            "spec": {
                "sourceRepos": ["*"],
                "destinations": [{"server": "*", "namespace": "*"}],
                "syncWindows": [
                    {
                        "kind": "deny",
                        "schedule": "0 22 * * *",
                        "duration": "8h",
                        "applications": ["web"],
                        "manualSync": manual_sync,
                        "description": "nightly freeze",
                    }
                ],
            },
        }
        app: dict[str, Any] = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "web"},
            "spec": {
                "project": "shop",
                "source": {"repoURL": self.repo.url, "targetRevision": "main", "path": "web"},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"},
            },
        }
        if automated:
            app["spec"]["syncPolicy"] = {"automated": {"prune": True}}
        (self.apps / "web.yaml").write_text(yaml.safe_dump_all([project, app]))

    async def reconcile(self) -> Any:
        assert self.control is not None
        self.control.apps.load(force=True)
        return await self.control.controller.reconcile_one("web")

    async def color(self) -> str | None:
        assert self.control is not None
        live = await self.control.backend.get("v1", "ConfigMap", "web", "shop")
        return None if live is None else str(live["data"]["color"])


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    made = World(tmp_path)
    made.control = await build_local(tmp_path / "data", [made.apps], Settings(interval=3600))
    made.control.controller.reconciler.clock = lambda: made.now
    try:
        yield made
    finally:
        await made.control.close()


def _holds(status: dict[str, Any]) -> list[str]:
    return [c["message"] for c in status.get("conditions") or [] if c["type"] == HOLD_CONDITION]


async def test_deny_window_holds_auto_sync_until_it_closes(world: World) -> None:
    world.write(automated=True)
    held = await world.reconcile()
    assert held.synced is None
    assert held.status["sync"]["status"] == "OutOfSync"
    assert await world.color() is None
    [message] = _holds(held.status)
    assert 'deny window "0 22 * * *" for 8h (UTC) - nightly freeze' in message
    assert message.endswith("it may run from 2026-06-04T06:00:00Z")
    assert held.decision.retry_at == dt.datetime(2026, 6, 4, 6, 0, tzinfo=dt.UTC)

    world.now = dt.datetime(2026, 6, 4, 6, 0, tzinfo=dt.UTC)
    done = await world.reconcile()
    assert done.synced is not None
    assert done.status["sync"]["status"] == "Synced"
    assert _holds(done.status) == []
    assert await world.color() == "blue"


async def test_self_heal_is_held_too(world: World) -> None:
    world.now = dt.datetime(2026, 6, 3, 12, 0, tzinfo=dt.UTC)
    world.write(automated=True)
    assert (await world.reconcile()).synced is not None
    world.repo.commit({"web/config.yaml": CONFIG % "green"})
    world.now = dt.datetime(2026, 6, 3, 22, 30, tzinfo=dt.UTC)
    held = await world.reconcile()
    assert held.synced is None
    assert held.status["sync"]["status"] == "OutOfSync"
    assert len(_holds(held.status)) == 1
    assert await world.color() == "blue"


async def test_manual_sync_is_refused_in_a_deny_window(world: World) -> None:
    world.write(automated=False)
    assert world.control is not None
    world.control.apps.load(force=True)
    await world.control.apps.request_sync("web", {"sync": {"prune": False}})
    refused = await world.reconcile()
    assert refused.synced is None
    state = refused.status["operationState"]
    assert state["phase"] == "Error"
    assert state["message"].startswith("manual sync refused: blocked by the deny window")
    assert "it may run from 2026-06-04T06:00:00Z" in state["message"]
    assert refused.status["sync"]["status"] == "OutOfSync"
    assert await world.color() is None


async def test_manual_sync_passes_when_the_window_allows_it(world: World) -> None:
    world.write(automated=False, manual_sync=True)
    assert world.control is not None
    world.control.apps.load(force=True)
    await world.control.apps.request_sync("web", {"sync": {"prune": False}})
    done = await world.reconcile()
    assert done.synced is not None
    assert done.status["operationState"]["phase"] == "Succeeded"
    assert await world.color() == "blue"
