"""An Application that deploys a Rollout, its Services and an HTTPRoute from a real Git repo
stays Synced while the rollout target moves traffic and people queue commands: the controller's
own Comparer (diff and server-side dry-run) on the real API server says so."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from seaway.cluster.kubernetes import KubeRest
from seaway.cluster.kubernetes.cache import ClusterCache
from seaway.controller.loop import Controller
from seaway.controller.service import Settings, build
from seaway.model.keys import ResourceKey
from seaway.model.rollout import RouteMatch, StringMatch
from seaway.rollout.driver import RolloutDriver
from seaway.rollout.engine.types import HASH_LABEL, Command, Desired, HeaderRoute, Traffic
from seaway.rollout.targets.kubernetes import KubernetesRolloutTarget
from tests.conftest import Kube
from tests.gitrepo import Upstream
from tests.rollout.kubernetes.conftest import (
    ROLLOUT_API,
    ROUTE_API,
    Cluster,
    http_route,
    rollout,
    service,
    until_status,
)
from tests.rollout.kubernetes.test_traffic import gateway_canary

pytestmark = [pytest.mark.kube, pytest.mark.anyio]


def _strategy() -> dict[str, Any]:
    strategy = gateway_canary()
    strategy["canary"]["steps"] = [
        {"setWeight": 20},
        {
            "setHeaderRoute": {
                "name": "Beta Users",
                "match": [{"headerName": "X-Beta", "headerValue": {"exact": "1"}}],
            }
        },
        {"pause": {}},
    ]
    return strategy


def _manifests(image: str = "example/web:1") -> str:
    rules = [
        {
            "backendRefs": [
                {"name": "web-stable", "port": 80, "weight": 100},
                {"name": "web-canary", "port": 80, "weight": 0},
            ]
        }
    ]
    objects: list[dict[str, Any]] = [
        rollout(_strategy(), image=image),
        service("web-stable"),
        service("web-canary"),
        http_route("web", rules),
    ]
    for obj in objects:
        del obj["metadata"]["namespace"]
    return yaml.safe_dump_all(objects)


@dataclass
class World:
    controller: Controller
    cache: ClusterCache
    apps_namespace: str
    repo: Upstream
    # Unique per test: live objects are found by the app's name across the cluster, and an
    # earlier test's namespace may still be going away.
    app: str

    async def sync(self, rest: KubeRest) -> None:
        """Ask for a sync the way `seaway app sync` does."""
        operation = {"sync": {"prune": False}, "initiatedBy": {"username": "test"}}
        await rest.patch(
            "argoproj.io/v1alpha1",
            "Application",
            self.app,
            self.apps_namespace,
            {"operation": operation},
        )


async def _seen(world: World, rest: KubeRest, target: str) -> None:
    """Wait until the controller's watch cache holds the latest write of every object (else
    the comparison could read an older copy and find no drift for the wrong reason)."""
    cache = world.cache
    kinds = [("v1", "Service", "web-stable"), ("v1", "Service", "web-canary")]
    kinds += [(ROUTE_API, "HTTPRoute", "web"), (ROLLOUT_API, "Rollout", "web")]
    for api, kind, name in kinds:
        live = await rest.get(api, kind, name, target)
        assert live is not None
        wanted = int(live["metadata"]["resourceVersion"])
        key = ResourceKey(api.rpartition("/")[0], kind, target, name)
        for _ in range(500):
            seen = cache.get(api, kind, key) if cache.cached(api, kind) else None
            if seen is not None and int(seen["metadata"]["resourceVersion"]) >= wanted:
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError(f"the watch never saw {kind} {name} at {wanted}")


@pytest.fixture
async def world(
    cluster: Cluster, kube: Kube, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[World]:
    del kube
    repo = Upstream(tmp_path / "env")
    repo.commit({"app/web.yaml": _manifests()}, "web")
    suffix = uuid.uuid4().hex[:6]
    apps_ns, app_name = f"apps-{suffix}", f"shop-{suffix}"
    rest = cluster.rest
    await rest.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": apps_ns}})
    # Without a rollout driver the Rollout never turns Healthy: the sync's wait for its health
    # is cut short (the objects are applied by then; the comparison is what counts).
    driven = "driver" in request.fixturenames
    step_timeout = 60 if driven else 3
    settings = Settings(namespace=apps_ns, repo_cache=tmp_path / "repos", step_timeout=step_timeout)
    controller = build(rest, settings)
    app = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": app_name, "namespace": apps_ns},
        "spec": {
            "project": "default",
            "source": {"repoURL": repo.url, "targetRevision": "main", "path": "app"},
            "destination": {
                "server": "https://kubernetes.default.svc",
                "namespace": cluster.namespace,
            },
        },
        "operation": {"sync": {"prune": False}, "initiatedBy": {"username": "test"}},
    }
    await rest.apply(app)
    cache = getattr(controller.reconciler.backend, "cache", None)
    assert isinstance(cache, ClusterCache)
    try:
        yield World(controller, cache, apps_ns, repo, app_name)
    finally:
        await controller.close()
        await rest.delete("v1", "Namespace", apps_ns, propagation="Background")


@pytest.fixture
async def driver(cluster: Cluster) -> AsyncIterator[RolloutDriver]:
    """The rollout driver, as `seaway controller` runs it, on the test's namespace."""
    driver = RolloutDriver(KubernetesRolloutTarget(cluster.rest, cluster.namespace), tick=0.2)
    stop = asyncio.Event()
    task = asyncio.create_task(driver.run(stop))
    try:
        yield driver
    finally:
        stop.set()
        await task


async def _status(world: World, cluster: Cluster) -> dict[str, Any]:
    for _ in range(200):
        # The Application's own watch must have seen it before the first reconcile.
        if await world.controller.reconcile_one(world.app) is not None:
            break
        await asyncio.sleep(0.05)
    await _seen(world, cluster.rest, cluster.namespace)
    await world.controller.reconcile_one(world.app)
    app = await cluster.rest.get(
        "argoproj.io/v1alpha1", "Application", world.app, world.apps_namespace
    )
    assert app is not None
    return dict(app["status"])


async def test_rollout_traffic_and_commands_are_no_drift(world: World, cluster: Cluster) -> None:
    status = await _status(world, cluster)
    assert status["sync"]["status"] == "Synced", status.get("conditions")

    target = KubernetesRolloutTarget(cluster.rest)
    ro = await cluster.rollout()
    beta = HeaderRoute(
        "Beta Users", (RouteMatch(header_name="X-Beta", header_value=StringMatch(exact="1")),)
    )
    await target.apply(ro, Desired({}, Traffic("s1", "c2", 30, (beta,))))
    await target.give_command(cluster.namespace, "web", Command.PROMOTE)
    await target.write_status(ro, {"phase": "Paused", "currentStepIndex": 1})
    route = await cluster.get(ROUTE_API, "HTTPRoute", "web")
    assert len(route["spec"]["rules"]) == 2

    status = await _status(world, cluster)
    drifted = [r for r in status["resources"] if r["status"] != "Synced"]
    assert drifted == []
    assert status["sync"]["status"] == "Synced"

    # A sync of the Application applies Git's Services and HTTPRoute, whose selector and rules
    # are atomic: the rollout's hashes, weights and header rule must come through it.
    before = await _status(world, cluster)
    await world.sync(cluster.rest)
    status = await _status(world, cluster)
    # (Without a driver here the sync ends waiting for the Rollout's health: it has applied.)
    assert status["operationState"]["startedAt"] != before["operationState"]["startedAt"]
    applied = {r["name"] for r in status["operationState"]["syncResult"]["resources"]}
    assert {"web-stable", "web-canary", "web"} <= applied, status["operationState"]
    stable = await cluster.get("v1", "Service", "web-stable")
    assert stable["spec"]["selector"] == {"app": "web", HASH_LABEL: "s1"}
    canary = await cluster.get("v1", "Service", "web-canary")
    assert canary["spec"]["selector"] == {"app": "web", HASH_LABEL: "c2"}
    route = await cluster.get(ROUTE_API, "HTTPRoute", "web")
    assert [r.get("name") for r in route["spec"]["rules"]] == ["seaway-beta-users", None]
    weights = {b["name"]: b["weight"] for b in route["spec"]["rules"][1]["backendRefs"]}
    assert weights == {"web-stable": 70, "web-canary": 30}
    status = await _status(world, cluster)
    drifted = [(r["kind"], r["name"]) for r in status["resources"] if r["status"] != "Synced"]
    assert drifted == []
    assert status["sync"]["status"] == "Synced"

    # Drift in what the rollout does not own is still seen, on the same objects.
    ports = {"spec": {"ports": [{"port": 81, "targetPort": 8080}]}}
    await cluster.rest.patch("v1", "Service", "web-canary", cluster.namespace, ports)
    status = await _status(world, cluster)
    drifted = [r["name"] for r in status["resources"] if r["status"] != "Synced"]
    assert drifted == ["web-canary"]


async def test_a_release_in_progress_is_no_drift(
    world: World, cluster: Cluster, driver: RolloutDriver
) -> None:
    """A new image committed to Git, synced, and taken by the driver to 20 % with a header
    route, paused: the Application stays Synced throughout, and after the promotion."""
    del driver
    status = await _status(world, cluster)
    drifted = [(r["kind"], r["name"]) for r in status["resources"] if r["status"] != "Synced"]
    assert status["sync"]["status"] == "Synced", (drifted, status["operationState"]["message"])
    await until_status(cluster, phase="Healthy")

    world.repo.commit({"app/web.yaml": _manifests("example/web:2")}, "web 2")
    await world.sync(cluster.rest)
    status = await _status(world, cluster)
    assert status["operationState"]["phase"] == "Succeeded", status["operationState"]
    await until_status(cluster, phase="Paused")
    route = await cluster.get(ROUTE_API, "HTTPRoute", "web")
    assert [r.get("name") for r in route["spec"]["rules"]] == ["seaway-beta-users", None]
    weights = {b["name"]: b["weight"] for b in route["spec"]["rules"][1]["backendRefs"]}
    assert weights == {"web-stable": 80, "web-canary": 20}

    status = await _status(world, cluster)
    assert status["operationState"]["phase"] == "Succeeded", status["operationState"]
    assert [r for r in status["resources"] if r["status"] != "Synced"] == []
    assert status["sync"]["status"] == "Synced"

    await KubernetesRolloutTarget(cluster.rest).give_command(
        cluster.namespace, "web", Command.PROMOTE
    )
    await until_status(cluster, phase="Healthy")
    status = await _status(world, cluster)
    assert status["sync"]["status"] == "Synced"
    assert [r for r in status["resources"] if r["status"] != "Synced"] == []
