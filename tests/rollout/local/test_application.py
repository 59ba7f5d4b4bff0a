"""A Rollout as part of an Application on the local backend, with the controller running:
the app stays Synced while the rollout changes weights, selectors, replicas and status, and its
health follows the rollout (Progressing, Suspended while paused, Healthy once done, Degraded
after a failed analysis), with a real Git repo and the demo web service as the workload."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from seaway.cluster.local.spec import free_port
from seaway.controller.service import LocalControl, Settings, build_local
from seaway.rollout.engine.types import Command
from tests.gitrepo import Upstream
from tests.rollout.local.workload import rollout, service

pytestmark = pytest.mark.anyio


def manifests(version: str, canary_port: int, *, broken: bool = False) -> dict[str, str]:
    url = f"http://127.0.0.1:{canary_port}"
    steps = [
        {"setWeight": 50},
        {"pause": {}},
        {
            "analysis": {
                "templates": [{"templateName": "sanity"}],
                "args": [{"name": "url", "value": url}],
            }
        },
    ]
    obj = rollout(
        version,
        {
            "canary": {
                "stableService": "web",
                "canaryService": "web-canary",
                "trafficRouting": {"seaway": {"router": "local"}},
                "steps": steps,
            }
        },
        broken=broken,
    )
    del obj["metadata"]["namespace"]
    del obj["metadata"]["labels"]
    canary_svc = service("web-canary")
    canary_svc["spec"]["ports"] = [{"port": canary_port, "targetPort": "http"}]
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "sanity"},
        "spec": {
            "args": [{"name": "url"}],
            "metrics": [{"name": "crud", "provider": {"sanity": {"url": "{{args.url}}"}}}],
        },
    }
    docs: list[dict[str, Any]] = [obj, service("web"), canary_svc, template]
    for doc in docs:
        doc["metadata"].pop("namespace", None)
    return {"web/all.yaml": yaml.safe_dump_all(docs)}


class World:
    def __init__(self, tmp: Path) -> None:
        self.canary_port = free_port()
        self.repo = Upstream(tmp / "env")
        self.repo.commit(manifests("v1", self.canary_port))
        self.apps = tmp / "apps"
        self.apps.mkdir()
        app = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "web"},
            "spec": {
                "project": "default",
                "source": {"repoURL": self.repo.url, "targetRevision": "main", "path": "web"},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": "demo"},
                "syncPolicy": {
                    "automated": {"prune": True, "selfHeal": True},
                    "syncOptions": ["CreateNamespace=true"],
                },
            },
        }
        (self.apps / "web.yaml").write_text(yaml.safe_dump(app))
        self.control: LocalControl | None = None
        self.seen: list[tuple[str, str, str]] = []

    @property
    def running(self) -> LocalControl:
        assert self.control is not None
        return self.control

    def status(self) -> dict[str, Any]:
        return dict((self.running.store.get("Application", "web") or {}).get("status") or {})

    async def until(self, sha: str, health: str, timeout: float = 60.0) -> dict[str, Any]:
        """Wait for the app at `sha` with `health`, recording (revision, sync, health)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status()
            sync = status.get("sync") or {}
            now = (
                str(sync.get("revision")),
                str(sync.get("status")),
                str((status.get("health") or {}).get("status")),
            )
            if not self.seen or self.seen[-1] != now:
                self.seen.append(now)
            if now == (sha, "Synced", health):
                return status
            self.running.controller.enqueue("web", refresh=True)
            await asyncio.sleep(0.1)
        raise AssertionError(f"app never {health} at {sha[:7]}: {self.seen}")


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    made = World(tmp_path)
    made.control = await build_local(
        tmp_path / "data", [made.apps], Settings(interval=3600), tick=0.1
    )
    made.control.controller.reconciler.poll_interval = 0.1
    made.control.apps.load(force=True)
    stop = asyncio.Event()
    loop = asyncio.create_task(made.control.controller.run(stop))
    try:
        yield made
    finally:
        stop.set()
        await loop
        await made.control.close()


async def test_the_app_stays_synced_while_its_health_follows_the_rollout(world: World) -> None:
    first = world.repo.git("rev-parse", "HEAD")
    await world.until(first, "Healthy")

    second = world.repo.commit(manifests("v2", world.canary_port), "v2")
    await world.until(second, "Suspended")
    target = world.running.rollouts
    assert target is not None
    await target.target.give_command("demo", "web", Command.PROMOTE)
    await world.until(second, "Healthy")

    third = world.repo.commit(manifests("v3", world.canary_port, broken=True), "v3")
    await world.until(third, "Suspended")
    await target.target.give_command("demo", "web", Command.PROMOTE)
    status = await world.until(third, "Degraded")
    rollout_health = next(r for r in status["resources"] if r["kind"] == "Rollout")["health"]
    assert "crud" in rollout_health["message"]

    # Once the app reached a revision it stayed Synced: the rollout's own changes are no drift.
    for revision in (second, third):
        at = [sync for rev, sync, _ in world.seen if rev == revision]
        assert at[at.index("Synced") :] == ["Synced"] * len(at[at.index("Synced") :]), world.seen
    healths = [h for rev, sync, h in world.seen if rev == second and sync == "Synced"]
    assert "Suspended" in healths
    assert healths[-1] == "Healthy"
