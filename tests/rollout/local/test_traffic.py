"""Issue #5's traffic checks on the local backend, with real requests through the router and
each reply naming the version that answered: canary weights within ±5 % over 1,000 requests,
header and cookie routes exact, no request to the active Service sees the blue/green preview
before promotion, and a check failing at the first, a middle or the last analysis step (or
after a blue/green promotion) puts every request back on the old version."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from seaway.rollout.engine.types import Command, RolloutPhase, RolloutStatus
from tests.rollout.gate import Gate, gate_ref, gate_template, gated_steps
from tests.rollout.helpers import http_server
from tests.rollout.local.harness import Harness
from tests.rollout.local.scenarios import deploy_v1, strategy, two_ports, until_split
from tests.rollout.local.workload import (
    NAMESPACE,
    canary,
    rollout,
    service,
    service_port,
    split,
    until,
)

pytestmark = pytest.mark.anyio

REQUESTS = 1000
HEADER_ROUTE = {
    "setHeaderRoute": {
        "name": "header",
        "match": [{"headerName": "X-Group", "headerValue": {"exact": "beta"}}],
    }
}
COOKIE_ROUTE = {
    "setHeaderRoute": {
        "name": "cookie",
        "match": [{"cookieName": "group", "cookieValue": {"prefix": "beta"}}],
    }
}


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    h = await Harness(tmp_path / "data").start()
    try:
        yield h
    finally:
        await h.close()


@pytest.fixture
def gate() -> Iterator[tuple[Gate, str]]:
    handler = Gate()
    with http_server(handler) as url:
        yield handler, url


GATE_TEMPLATE = gate_template(NAMESPACE)


def at_step(index: int) -> Callable[[RolloutStatus], bool]:
    return lambda status: status.current_step_index == index


def share(counts: dict[str, int], version: str) -> float:
    return counts.get(version, 0) / sum(counts.values())


async def test_weights_hold_over_a_thousand_requests_and_header_routes_are_exact(
    harness: Harness,
) -> None:
    stable_port, canary_port = two_ports()
    await deploy_v1(harness, stable_port, canary_port)
    steps: tuple[dict[str, Any], ...] = (
        # Canary pods but no weight: only the routes reach them.
        {"setCanaryScale": {"replicas": 1}},
        HEADER_ROUTE,
        COOKIE_ROUTE,
        {"pause": {}},
        {"setWeight": 10},
        {"pause": {}},
        {"setWeight": 50},
        {"pause": {}},
    )
    await harness.backend.apply(rollout("v2", canary(*steps, routes=("header", "cookie"))))
    await harness.wait_status("paused on the routes", lambda s: s.current_step_index == 3)

    async def header_on_canary() -> bool:
        return dict(await split(stable_port, 5, {"X-Group": "beta"})) == {"v2": 5}

    await until("the header route on the canary", header_on_canary)
    matching: list[dict[str, str]] = [
        {"X-Group": "beta"},
        {"Cookie": "group=beta-7"},
        {"Cookie": "other=1; group=beta"},
        {"X-Group": "nope", "Cookie": "group=beta"},
    ]
    for headers in matching:
        assert dict(await split(stable_port, REQUESTS // 4, headers)) == {"v2": REQUESTS // 4}
    others: list[dict[str, str]] = [
        {},
        {"X-Group": "beta2"},
        {"X-Group": "Beta"},
        {"Cookie": "group=alpha-beta"},
        {"X-Other": "beta", "Cookie": "grp=beta"},
    ]
    for headers in others:
        assert dict(await split(stable_port, REQUESTS // 5, headers)) == {"v1": REQUESTS // 5}

    for step, weight in ((5, 10), (7, 50)):
        await harness.target.give_command(NAMESPACE, "web", Command.PROMOTE)
        await harness.wait_status(f"paused at {weight} %", at_step(step))
        assert harness.weights() == {"stable": 100 - weight, "canary": weight}
        counts = dict(await split(stable_port, REQUESTS))
        assert set(counts) <= {"v1", "v2"}, counts
        assert abs(share(counts, "v2") - weight / 100) <= 0.05, (weight, counts)
        # The route still wins over the weights.
        assert dict(await split(stable_port, 100, {"X-Group": "beta"})) == {"v2": 100}


async def test_no_request_to_the_active_service_sees_the_preview_before_promotion(
    harness: Harness,
) -> None:
    blue_green = {
        "blueGreen": {
            "activeService": "web",
            "previewService": "web-preview",
            "autoPromotionEnabled": False,
        }
    }
    for name in ("web", "web-preview"):
        await harness.backend.apply(service(name))
    await harness.backend.apply(rollout("v1", blue_green))
    await harness.wait_status("v1 Healthy", lambda s: s.phase is RolloutPhase.HEALTHY)
    active = service_port(harness.backend, "web")
    preview = service_port(harness.backend, "web-preview")
    await until_split(active, {"v1": 5})

    await harness.backend.apply(rollout("v2", blue_green))
    await harness.wait_status("paused before the switch", lambda s: bool(s.pause_conditions))
    await until_split(preview, {"v2": 5})
    assert dict(await split(active, REQUESTS)) == {"v1": REQUESTS}
    assert dict(await split(preview, REQUESTS // 5)) == {"v2": REQUESTS // 5}

    await harness.target.give_command(NAMESPACE, "web", Command.PROMOTE)
    await harness.wait_status(
        "v2 active",
        lambda s: s.phase is RolloutPhase.HEALTHY and s.stable_hash == s.current_pod_hash,
    )
    await until_split(active, {"v2": 5})
    assert dict(await split(active, REQUESTS)) == {"v2": REQUESTS}


@pytest.mark.parametrize("failing", [1, 2, 3], ids=["first", "middle", "last"])
async def test_a_check_failing_at_any_step_puts_traffic_back_on_stable(
    harness: Harness, gate: tuple[Gate, str], failing: int
) -> None:
    checks, url = gate
    checks.failing = {f"step{failing}"}
    stable_port, canary_port = two_ports()
    await deploy_v1(harness, stable_port, canary_port)
    await harness.backend.apply(GATE_TEMPLATE)
    steps = gated_steps(url, (20, 50, 80))
    await harness.backend.apply(rollout("v2", strategy(*steps)))
    status = await harness.wait_status("aborted", lambda s: s.abort)

    assert status.phase is RolloutPhase.DEGRADED
    assert "gate" in status.message
    # Every check up to the failing one ran, none after it.
    assert sorted(set(checks.asked)) == [f"step{n}" for n in range(1, failing + 1)]
    assert harness.weights().get("canary", 0) == 0
    await until_split(stable_port, {"v1": 10})
    assert dict(await split(stable_port, REQUESTS // 2)) == {"v1": REQUESTS // 2}


async def test_a_failing_post_promotion_check_switches_back_to_the_old_active(
    harness: Harness, gate: tuple[Gate, str]
) -> None:
    checks, url = gate
    checks.failing = {"post"}
    await harness.backend.apply(GATE_TEMPLATE)
    blue_green = {
        "blueGreen": {
            "activeService": "web",
            "previewService": "web-preview",
            "autoPromotionEnabled": True,
            "scaleDownDelaySeconds": 30,
            "postPromotionAnalysis": gate_ref(url, "post"),
        }
    }
    for name in ("web", "web-preview"):
        await harness.backend.apply(service(name))
    await harness.backend.apply(rollout("v1", blue_green))
    await harness.wait_status("v1 Healthy", lambda s: s.phase is RolloutPhase.HEALTHY)
    active = service_port(harness.backend, "web")
    await until_split(active, {"v1": 5})

    await harness.backend.apply(rollout("v2", blue_green))
    status = await harness.wait_status("aborted", lambda s: s.abort)
    assert status.phase is RolloutPhase.DEGRADED
    assert "post" in checks.asked
    await until_split(active, {"v1": 10})
    assert dict(await split(active, REQUESTS // 2)) == {"v1": REQUESTS // 2}
