"""Blue/green and recreate through the real engine and the driver on the local backend, with
the demo web service as the workload and real HTTP through the router."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from seaway.rollout.engine.types import Command, RolloutPhase
from tests.rollout.local.harness import Harness
from tests.rollout.local.scenarios import until_split
from tests.rollout.local.workload import (
    NAMESPACE,
    rollout,
    service,
    service_port,
    split,
    version_of,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    h = await Harness(tmp_path / "data").start()
    try:
        yield h
    finally:
        await h.close()


async def test_blue_green_serves_the_preview_then_switches_when_promoted(harness: Harness) -> None:
    strategy = {
        "blueGreen": {
            "activeService": "web",
            "previewService": "web-preview",
            "autoPromotionEnabled": False,
        }
    }
    for name in ("web", "web-preview"):
        await harness.backend.apply(service(name))
    await harness.backend.apply(rollout("v1", strategy))
    await harness.wait_status("v1 Healthy", lambda s: s.phase is RolloutPhase.HEALTHY)
    active = service_port(harness.backend, "web")
    preview = service_port(harness.backend, "web-preview")
    await until_split(active, {"v1": 6})

    await harness.backend.apply(rollout("v2", strategy))
    await harness.wait_status("paused before the switch", lambda s: bool(s.pause_conditions))
    await until_split(preview, {"v2": 6})
    assert dict(await split(active, 6)) == {"v1": 6}

    await harness.target.give_command(NAMESPACE, "web", Command.PROMOTE)
    await harness.wait_status(
        "v2 active",
        lambda s: s.phase is RolloutPhase.HEALTHY and s.stable_hash == s.current_pod_hash,
    )
    await until_split(active, {"v2": 6})


async def test_recreate_stops_the_old_version_before_the_new_one_starts(harness: Harness) -> None:
    await harness.backend.apply(service("web"))
    await harness.backend.apply(rollout("v1", {"recreate": {}}))
    await harness.wait_status("v1 Healthy", lambda s: s.phase is RolloutPhase.HEALTHY)
    port = service_port(harness.backend, "web")
    await until_split(port, {"v1": 4})

    answers: list[tuple[float, str]] = []

    def poll() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            answers.append((time.monotonic(), version_of(port)))
            if answers[-1][1] == "v2":
                return

    polling = asyncio.create_task(asyncio.to_thread(poll))
    await harness.backend.apply(rollout("v2", {"recreate": {}}))
    await polling
    done = await harness.wait_status(
        "v2 Healthy", lambda s: s.phase is RolloutPhase.HEALTHY and s.downtime_seconds is not None
    )
    versions = [v for _, v in answers]
    last_v1 = max(i for i, v in enumerate(versions) if v == "v1")
    first_v2 = versions.index("v2")
    # Never both at once: every v1 answer came before the gap, every v2 after it.
    assert last_v1 < first_v2
    gap = versions[last_v1 + 1 : first_v2]
    assert gap, "recreate leaves a moment with no version serving"
    assert all(v.startswith("HTTP 5") for v in gap)
    downtime = answers[first_v2][0] - answers[last_v1][0]
    print(
        f"\nrecreate downtime: {downtime * 1000:.0f} ms seen by a client "
        f"({len(gap)} requests answered 5xx), {done.downtime_seconds:.3f} s in the status"
    )
