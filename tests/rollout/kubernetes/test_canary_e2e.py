"""A canary on the real API server, end to end: the rollout driver and the engine (`decide`)
over the Kubernetes target, ReplicaSets made Ready by KWOK, Gateway API weights in a real
HTTPRoute, a `web` analysis against a real HTTP server on 127.0.0.1. A release that measures
well goes through its steps and is promoted by a command; one that measures badly aborts, and
the HTTPRoute sends everything back to stable. Blue/green moves the active Service's selector
on promotion."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from seaway.rollout.driver import RolloutDriver
from seaway.rollout.engine.types import HASH_LABEL, Command
from seaway.rollout.targets.kubernetes import KubernetesRolloutTarget
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


def _strategy() -> dict[str, Any]:
    return {
        "canary": {
            "stableService": "web-stable",
            "canaryService": "web-canary",
            # 0 would keep the aborted version running, as in Argo Rollouts.
            "abortScaleDownDelaySeconds": 1,
            "scaleDownDelaySeconds": 0,
            "trafficRouting": {"seaway": {"router": "gatewayAPI", "httpRoute": "web"}},
            "steps": [
                {"setWeight": 20},
                {"analysis": {"templates": [{"templateName": "success-rate"}]}},
                {"setWeight": 50},
                {"pause": {}},
            ],
        }
    }


def _template(url: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "success-rate", "namespace": ""},
        "spec": {
            "metrics": [
                {
                    "name": "success-rate",
                    "count": 1,
                    "successCondition": "result >= 0.95",
                    "provider": {"web": {"url": url + "/rate", "jsonPath": "{$.rate}"}},
                }
            ]
        },
    }


class Measured:
    """What the HTTP server answers: the success rate the analysis reads."""

    def __init__(self) -> None:
        self.rate = 1.0
        self.asked = 0

    def __call__(self, _request: BaseHTTPRequestHandler, _body: bytes) -> tuple[int, Any]:
        self.asked += 1
        return 200, {"rate": self.rate}


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


async def _weights(cluster: Cluster) -> tuple[dict[str, int], int]:
    rules = (await cluster.get(ROUTE_API, "HTTPRoute", "web"))["spec"]["rules"]
    main = [r for r in rules if not str(r.get("name", "")).startswith("seaway-")]
    return {ref["name"]: ref.get("weight", 1) for ref in main[0]["backendRefs"]}, len(rules)


async def _until_weights(cluster: Cluster, stable: int, canary: int) -> None:
    async def check() -> bool:
        weights, _ = await _weights(cluster)
        return weights == {"web-stable": stable, "web-canary": canary}

    await wait_for(check, f"HTTPRoute weights {stable}/{canary}", timeout=90)


async def _pods(cluster: Cluster, template_hash: str) -> int:
    rs = await cluster.rest.get("apps/v1", "ReplicaSet", f"web-{template_hash}", cluster.namespace)
    return int(((rs or {}).get("spec") or {}).get("replicas") or 0)


async def test_canary_promotes_when_healthy_and_aborts_to_stable_when_not(
    driven: Cluster,
) -> None:
    cluster = driven
    measured = Measured()
    with http_server(measured) as url:
        await cluster.create(_template(url))
        for name in ("web-stable", "web-canary"):
            await cluster.create(service(name))
        rules = [
            {
                "backendRefs": [
                    {"name": "web-stable", "port": 80, "weight": 100},
                    {"name": "web-canary", "port": 80, "weight": 0},
                ]
            }
        ]
        await cluster.create(http_route("web", rules))

        # First deployment: straight to stable, no steps.
        await cluster.create(rollout(_strategy(), image="example/web:1"))
        first = await until_status(cluster, phase="Healthy")
        v1 = first["stableRS"]
        stable_svc = await cluster.get("v1", "Service", "web-stable")
        assert stable_svc["spec"]["selector"][HASH_LABEL] == v1

        # A release that measures well: 20 %, analysis, 50 %, then a pause until promoted.
        await cluster.create(rollout(_strategy(), image="example/web:2"))
        await _until_weights(cluster, 80, 20)
        paused = await until_status(cluster, phase="Paused")
        assert measured.asked >= 1
        weights, _ = await _weights(cluster)
        assert weights == {"web-stable": 50, "web-canary": 50}
        v2 = paused["currentPodHash"]
        assert v2 != v1
        canary_svc = await cluster.get("v1", "Service", "web-canary")
        assert canary_svc["spec"]["selector"][HASH_LABEL] == v2

        await cluster.target.give_command(cluster.namespace, "web", Command.PROMOTE)
        done = await until_status(cluster, phase="Healthy", stableRS=v2)
        assert done["currentPodHash"] == v2
        await _until_weights(cluster, 100, 0)
        stable_svc = await cluster.get("v1", "Service", "web-stable")
        assert stable_svc["spec"]["selector"][HASH_LABEL] == v2

        # A release that measures badly: the analysis fails, the rollout aborts, and every
        # request goes back to the stable version.
        measured.rate = 0.2
        await cluster.create(rollout(_strategy(), image="example/web:3"))
        await _until_weights(cluster, 80, 20)
        aborted = await until_status(cluster, phase="Degraded")
        assert aborted["abort"] is True
        assert aborted["stableRS"] == v2
        await _until_weights(cluster, 100, 0)
        v3 = aborted["currentPodHash"]

        async def canary_down() -> bool:
            return await _pods(cluster, v3) == 0

        await wait_for(canary_down, "the aborted canary scaled down")
        assert await _pods(cluster, v2) == 2


async def test_blue_green_switches_the_active_service_on_promotion(driven: Cluster) -> None:
    cluster = driven
    for name in ("web-active", "web-preview"):
        await cluster.create(service(name))
    strategy = {
        "blueGreen": {
            "activeService": "web-active",
            "previewService": "web-preview",
            "autoPromotionEnabled": False,
            "scaleDownDelaySeconds": 1,
        }
    }
    await cluster.create(rollout(strategy, image="example/web:1"))
    v1 = (await until_status(cluster, phase="Healthy"))["stableRS"]

    async def selects(service_name: str, template_hash: str) -> None:
        async def check() -> bool:
            live = await cluster.get("v1", "Service", service_name)
            return bool(live["spec"]["selector"].get(HASH_LABEL) == template_hash)

        await wait_for(check, f"Service {service_name} on {template_hash}")

    await selects("web-active", v1)
    await cluster.create(rollout(strategy, image="example/web:2"))
    v2 = (await until_status(cluster, phase="Paused"))["currentPodHash"]
    await selects("web-preview", v2)
    await selects("web-active", v1)
    assert await _pods(cluster, v2) == 2

    await cluster.target.give_command(cluster.namespace, "web", Command.PROMOTE)
    await until_status(cluster, phase="Healthy", stableRS=v2)
    await selects("web-active", v2)

    async def old_down() -> bool:
        return await _pods(cluster, v1) == 0

    await wait_for(old_down, "the old active version scaled down after its delay")
