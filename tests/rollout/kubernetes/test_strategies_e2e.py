"""Every strategy on the real API server with the real driver, ReplicaSets made Ready by KWOK:
recreate and rollingUpdate (the order the sets move in, polled from the ReplicaSet objects),
canary with the `service` router and with no traffic routing (weights as replica ratios),
blue/green whose pre-promotion check fails (the active Service never moves) or whose
post-promotion check fails (the active Service moves back), and a canary whose check fails at
its first, middle or last step (the HTTPRoute back to 100/0, the canary scaled down). The
checks ask a real HTTP server on 127.0.0.1 the test controls (tests/rollout/gate.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest

from seaway.rollout.driver import RolloutDriver
from seaway.rollout.engine.types import HASH_LABEL, Command
from seaway.rollout.targets.kubernetes import KubernetesRolloutTarget
from tests.rollout.gate import Gate, gate_ref, gate_template, gated_steps
from tests.rollout.helpers import http_server
from tests.rollout.kubernetes.conftest import (
    ROUTE_API,
    Cluster,
    http_route,
    rollout,
    service,
    until_status,
    wait_for,
)

pytestmark = [pytest.mark.kube, pytest.mark.anyio]

T = TypeVar("T")

# (spec.replicas, status.readyReplicas) of each ReplicaSet by template hash, as polled.
Sample = dict[str, tuple[int, int]]


@pytest.fixture
async def driven(cluster: Cluster) -> AsyncIterator[Cluster]:
    driver = RolloutDriver(KubernetesRolloutTarget(cluster.rest, cluster.namespace), tick=0.2)
    stop = asyncio.Event()
    task = asyncio.create_task(driver.run(stop))
    try:
        yield cluster
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
def gate() -> Iterator[tuple[Gate, str]]:
    handler = Gate()
    with http_server(handler) as url:
        yield handler, url


async def until_released(cluster: Cluster, old: str) -> dict[str, Any]:
    """The status once a release other than `old` is Healthy and stable."""
    last: dict[str, Any] = {}

    async def check() -> bool:
        nonlocal last
        last = dict((await cluster.rollout()).get("status") or {})
        new = last.get("currentPodHash")
        return bool(new != old and last.get("phase") == "Healthy" and last.get("stableRS") == new)

    try:
        await wait_for(check, f"a release after {old} Healthy", timeout=90)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last status: {last}") from None
    return last


async def sets(cluster: Cluster) -> Sample:
    listed = await cluster.rest.list("apps/v1", "ReplicaSet", cluster.namespace)
    return {
        rs["metadata"]["labels"][HASH_LABEL]: (
            int(rs["spec"].get("replicas") or 0),
            int((rs.get("status") or {}).get("readyReplicas") or 0),
        )
        for rs in listed
    }


async def until_replicas(cluster: Cluster, wanted: dict[str, int]) -> None:
    async def check() -> bool:
        now = await sets(cluster)
        return all(now.get(h, (0, 0))[0] == n for h, n in wanted.items())

    await wait_for(check, f"ReplicaSets at {wanted}", timeout=90)


async def ready(cluster: Cluster, template_hash: str, count: int) -> bool:
    return (await sets(cluster)).get(template_hash, (0, 0)) == (count, count)


async def selects(cluster: Cluster, service_name: str, template_hash: str) -> None:
    async def check() -> bool:
        live = await cluster.get("v1", "Service", service_name)
        return bool(live["spec"]["selector"].get(HASH_LABEL) == template_hash)

    await wait_for(check, f"Service {service_name} on {template_hash}", timeout=90)


async def selector(cluster: Cluster, service_name: str) -> str:
    live = await cluster.get("v1", "Service", service_name)
    return str(live["spec"]["selector"].get(HASH_LABEL, ""))


@contextlib.asynccontextmanager
async def recording(probe: Callable[[], Awaitable[T]], seen: list[T]) -> AsyncIterator[None]:
    """Append what `probe` reads to `seen` every 50 ms while the block runs."""

    async def watch() -> None:
        while True:
            seen.append(await probe())
            await asyncio.sleep(0.05)

    watching = asyncio.create_task(watch())
    try:
        yield
    finally:
        watching.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watching


@contextlib.asynccontextmanager
async def polled(cluster: Cluster) -> AsyncIterator[list[Sample]]:
    """Every ReplicaSet's replicas, polled every 50 ms while the block runs."""
    samples: list[Sample] = []

    async def poll() -> None:
        while True:
            samples.append(await sets(cluster))
            await asyncio.sleep(0.05)

    task = asyncio.create_task(poll())
    try:
        yield samples
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    samples.append(await sets(cluster))


def changes(samples: list[Sample]) -> str:
    """The samples, each shown once however long it lasted, for a failure's message."""
    kept = [s for i, s in enumerate(samples) if i == 0 or s != samples[i - 1]]
    return " -> ".join(str(s) for s in kept)


async def release(cluster: Cluster, strategy: dict[str, Any], replicas: int = 2) -> str:
    """Deploy v1 and wait for it to be Healthy; its template hash."""
    await cluster.create(rollout(strategy, image="example/web:1", replicas=replicas))
    return str((await until_status(cluster, phase="Healthy"))["stableRS"])


async def test_recreate_scales_the_old_set_to_zero_before_the_new_one_up(
    driven: Cluster,
) -> None:
    cluster = driven
    strategy: dict[str, Any] = {"recreate": {}}
    v1 = await release(cluster, strategy)
    async with polled(cluster) as samples:
        await cluster.create(rollout(strategy, image="example/web:2"))
        v2 = (await until_released(cluster, v1))["stableRS"]
        await until_replicas(cluster, {v1: 0, v2: 2})
        await wait_for(lambda: ready(cluster, v2, 2), "the new set Ready")
    up = [s.get(v2, (0, 0)) for s in samples]
    first_up = next(i for i, (replicas, _) in enumerate(up) if replicas > 0)
    # Never both at once: when the new set asks for pods, the old one has none left.
    for sample in samples[first_up:]:
        assert sample.get(v1, (0, 0)) == (0, 0), samples
    assert samples[-1][v2] == (2, 2)


async def test_rolling_update_moves_within_max_surge_and_max_unavailable(
    driven: Cluster,
) -> None:
    cluster = driven
    strategy: dict[str, Any] = {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }
    v1 = await release(cluster, strategy)
    async with polled(cluster) as samples:
        await cluster.create(rollout(strategy, image="example/web:2"))
        v2 = (await until_released(cluster, v1))["stableRS"]
        await until_replicas(cluster, {v1: 0, v2: 2})
    for sample in samples:
        asked = sum(replicas for replicas, _ in sample.values())
        ready = sum(r for _, r in sample.values())
        assert asked <= 3, changes(samples)  # replicas + maxSurge
        assert ready >= 2, changes(samples)  # maxUnavailable 0
    # A rolling update: for a while both versions had pods.
    assert any(s.get(v1, (0, 0))[0] > 0 and s.get(v2, (0, 0))[0] > 0 for s in samples), samples


def plain_canary(routing: dict[str, Any] | None) -> dict[str, Any]:
    canary: dict[str, Any] = {
        "scaleDownDelaySeconds": 0,
        "steps": [{"setWeight": 50}, {"pause": {}}],
    }
    if routing is not None:
        canary |= {
            "stableService": "web-stable",
            "canaryService": "web-canary",
            "trafficRouting": routing,
        }
    return {"canary": canary}


@pytest.mark.parametrize(
    "routing",
    [{"seaway": {"router": "service"}}, None],
    ids=["service-router", "no-traffic-routing"],
)
async def test_a_canary_without_a_gateway_splits_by_replica_counts(
    driven: Cluster, routing: dict[str, Any] | None
) -> None:
    cluster = driven
    if routing is not None:
        for name in ("web-stable", "web-canary"):
            await cluster.create(service(name))
    strategy = plain_canary(routing)
    v1 = await release(cluster, strategy)
    await cluster.create(rollout(strategy, image="example/web:2"))
    paused = await until_status(cluster, phase="Paused")
    v2 = paused["currentPodHash"]
    # 50 % of two replicas: one of each.
    await until_replicas(cluster, {v1: 1, v2: 1})
    if routing is not None:
        await selects(cluster, "web-stable", v1)
        await selects(cluster, "web-canary", v2)

    await cluster.target.give_command(cluster.namespace, "web", Command.PROMOTE)
    await until_status(cluster, phase="Healthy", stableRS=v2)
    await until_replicas(cluster, {v1: 0, v2: 2})
    if routing is not None:
        await selects(cluster, "web-stable", v2)
        await selects(cluster, "web-canary", v2)


def blue_green(**extra: Any) -> dict[str, Any]:
    return {
        "blueGreen": {
            "activeService": "web-active",
            "previewService": "web-preview",
            "scaleDownDelaySeconds": 1,
            "abortScaleDownDelaySeconds": 1,
            **extra,
        }
    }


async def test_blue_green_whose_pre_promotion_check_fails_never_switches(
    driven: Cluster, gate: tuple[Gate, str]
) -> None:
    cluster = driven
    checks, url = gate
    await cluster.create(gate_template(""))
    for name in ("web-active", "web-preview"):
        await cluster.create(service(name))
    strategy = blue_green(prePromotionAnalysis=gate_ref(url, "pre"))
    v1 = await release(cluster, strategy)
    await selects(cluster, "web-active", v1)
    checks.failing = {"pre"}

    active: list[str] = []
    async with recording(lambda: selector(cluster, "web-active"), active):
        await cluster.create(rollout(strategy, image="example/web:2"))
        aborted = await until_status(cluster, phase="Degraded")
        v2 = aborted["currentPodHash"]
        await until_replicas(cluster, {v2: 0})
    assert aborted["abort"] is True
    assert aborted["stableRS"] == v1
    assert "pre" in checks.asked
    assert v2 != v1
    assert set(active) == {v1}
    assert (await sets(cluster))[v1][0] == 2


async def test_blue_green_whose_post_promotion_check_fails_switches_back(
    driven: Cluster, gate: tuple[Gate, str]
) -> None:
    cluster = driven
    checks, url = gate
    await cluster.create(gate_template(""))
    for name in ("web-active", "web-preview"):
        await cluster.create(service(name))
    strategy = blue_green(postPromotionAnalysis=gate_ref(url, "post"), scaleDownDelaySeconds=30)
    v1 = await release(cluster, strategy)
    await selects(cluster, "web-active", v1)
    checks.failing = {"post"}

    active: list[str] = []
    async with recording(lambda: selector(cluster, "web-active"), active):
        await cluster.create(rollout(strategy, image="example/web:2"))
        aborted = await until_status(cluster, phase="Degraded")
        await selects(cluster, "web-active", v1)
    v2 = aborted["currentPodHash"]
    assert aborted["abort"] is True
    assert "post" in checks.asked
    # It did switch (the check runs after promotion), then went back.
    assert v2 in active
    assert active[-1] == v1
    assert (await sets(cluster))[v1][0] == 2


async def route_weights(cluster: Cluster) -> dict[str, int]:
    rules = (await cluster.get(ROUTE_API, "HTTPRoute", "web"))["spec"]["rules"]
    main = [r for r in rules if not str(r.get("name", "")).startswith("seaway-")]
    return {ref["name"]: ref.get("weight", 1) for ref in main[0]["backendRefs"]}


WEIGHTS = (20, 50, 80)


@pytest.mark.parametrize("failing", [1, 2, 3], ids=["first", "middle", "last"])
async def test_a_check_failing_at_any_step_sends_the_route_back_to_stable(
    driven: Cluster, gate: tuple[Gate, str], failing: int
) -> None:
    cluster = driven
    checks, url = gate
    await cluster.create(gate_template(""))
    for name in ("web-stable", "web-canary"):
        await cluster.create(service(name))
    backends = [
        {"name": "web-stable", "port": 80, "weight": 100},
        {"name": "web-canary", "port": 80, "weight": 0},
    ]
    await cluster.create(http_route("web", [{"backendRefs": backends}]))
    strategy = {
        "canary": {
            "stableService": "web-stable",
            "canaryService": "web-canary",
            "abortScaleDownDelaySeconds": 1,
            "scaleDownDelaySeconds": 0,
            "trafficRouting": {"seaway": {"router": "gatewayAPI", "httpRoute": "web"}},
            "steps": gated_steps(url, WEIGHTS),
        }
    }
    v1 = await release(cluster, strategy)
    checks.failing = {f"step{failing}"}

    seen: list[dict[str, int]] = []

    async with recording(lambda: route_weights(cluster), seen):
        await cluster.create(rollout(strategy, image="example/web:2"))
        aborted = await until_status(cluster, phase="Degraded")
        v2 = aborted["currentPodHash"]
        await until_replicas(cluster, {v2: 0})
    assert aborted["abort"] is True
    assert aborted["stableRS"] == v1
    assert sorted(set(checks.asked) - {""}) == [f"step{n}" for n in range(1, failing + 1)]
    # The route went as far as the failing step's weight, never further, and back to 100/0.
    canary_weights = [w.get("web-canary", 0) for w in seen]
    assert max(canary_weights) == WEIGHTS[failing - 1], seen
    assert await route_weights(cluster) == {"web-stable": 100, "web-canary": 0}
    await selects(cluster, "web-stable", v1)
    assert (await sets(cluster))[v1][0] == 2
