"""The rollout driver on the real local backend with the demo web service as the workload:
canary steps with the split of real requests, a pause ended by `seaway rollout promote` from
another process, header and cookie routes, a sanity analysis that passes and one that fails and
rolls back by itself, the router's own metric of the canary group, and a controller killed
mid-rollout (its processes left running) whose successor resumes at the same step and carries
on the analysis run it had begun."""

from __future__ import annotations

import asyncio
import http.client
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from seaway.rollout.engine.types import Command, RolloutPhase
from seaway.rollout.runs import saved_states
from tests.rollout.local.harness import Harness
from tests.rollout.local.scenarios import (
    BETA_ROUTE,
    analysis_step,
    deploy_v1,
    earlier_life,
    strategy,
    two_ports,
    until_split,
)
from tests.rollout.local.workload import APP, NAMESPACE, rollout, split

pytestmark = pytest.mark.anyio


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    h = await Harness(tmp_path / "data").start()
    try:
        yield h
    finally:
        await h.close()


def seaway_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`seaway ...` in a process of its own, as a person would type it."""
    return subprocess.run(
        [sys.executable, "-m", "seaway", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


async def test_canary_pauses_until_promoted_from_another_process_then_completes(
    harness: Harness,
) -> None:
    stable_port, canary_port = two_ports()
    await deploy_v1(harness, stable_port, canary_port)
    steps = (
        {"setWeight": 10},
        BETA_ROUTE,
        {"pause": {}},
        analysis_step(canary_port),
        {"setWeight": 50},
        {"pause": {}},
    )
    await harness.backend.apply(rollout("v2", strategy(*steps)))
    await harness.wait_status("paused at 10 %", lambda s: bool(s.pause_conditions))
    assert harness.weights() == {"stable": 90, "canary": 10}
    await until_split(stable_port, {"v1": 45, "v2": 5})
    # The beta group (both header and cookie) always gets the canary; the others the split.
    beta = {"X-Group": "beta", "Cookie": "group=beta-42"}
    assert dict(await split(stable_port, 10, beta)) == {"v2": 10}
    assert dict(await split(stable_port, 10, {"X-Group": "beta"})) == {"v1": 9, "v2": 1}
    # Paused it stays: nothing moves until someone promotes.
    await asyncio.sleep(0.5)
    assert harness.weights() == {"stable": 90, "canary": 10}

    shown = await asyncio.to_thread(
        seaway_cli, "rollout", "status", APP, "--data-dir", str(harness.data_dir)
    )
    assert shown.returncode == 0, shown.stderr
    for text in (
        "Paused",
        "Step      2/6",
        "stable 90%  canary 10%",
        "beta -> canary when header X-Group = beta, cookie group starts with beta",
        "CanaryPauseStep",
    ):
        assert text in shown.stdout, shown.stdout

    promoted = await asyncio.to_thread(
        seaway_cli, "rollout", "promote", APP, "--data-dir", str(harness.data_dir)
    )
    assert promoted.returncode == 0, promoted.stderr
    # The analysis (two sanity rounds on the canary Service) passes, then 50 %.
    await harness.wait_status("paused at 50 %", lambda s: s.current_step_index == 5)
    assert harness.weights() == {"stable": 50, "canary": 50}
    await until_split(stable_port, {"v1": 10, "v2": 10})
    promoted = await asyncio.to_thread(
        seaway_cli, "rollout", "promote", APP, "--data-dir", str(harness.data_dir)
    )
    assert promoted.returncode == 0, promoted.stderr
    # Then all of it: v2 is stable.
    await harness.wait_status(
        "v2 stable",
        lambda s: s.phase is RolloutPhase.HEALTHY and s.stable_hash == s.current_pod_hash,
    )
    await until_split(stable_port, {"v2": 10})
    assert dict(await split(stable_port, 10, beta)) == {"v2": 10}
    runs = saved_states((await harness.rollout())["status"])
    assert [r.phase.value for state in runs.values() for r in state.results] == ["Successful"]
    reasons = [e.reason for e in harness.events]
    assert "RolloutCompleted" in reasons


async def test_a_failing_analysis_aborts_and_traffic_is_back_on_stable(harness: Harness) -> None:
    stable_port, canary_port = two_ports()
    await deploy_v1(harness, stable_port, canary_port)
    changes: list[tuple[datetime, dict[str, int]]] = []
    watching = asyncio.create_task(watch_weights(harness, changes))
    try:
        steps = ({"setWeight": 50}, analysis_step(canary_port), {"setWeight": 100})
        await harness.backend.apply(rollout("v3", strategy(*steps), broken=True))
        status = await harness.wait_status("aborted", lambda s: s.abort)
    finally:
        watching.cancel()
    assert status.phase is RolloutPhase.DEGRADED
    assert "metric crud failed: value 2/8" in status.message
    assert harness.weights().get("canary", 0) == 0
    await until_split(stable_port, {"v1": 10})

    # From the failing measurement to the routing table that sends everything to stable.
    runs = saved_states((await harness.rollout())["status"])
    (state,) = runs.values()
    (result,) = state.results
    assert result.phase.value == "Failed"
    failed_at = result.measurements[-1].finished_at
    back = next(t for t, w in changes if t > failed_at and w.get("canary", 0) == 0)
    print(f"\nabort latency: {(back - failed_at).total_seconds() * 1000:.1f} ms")
    warnings = [e.reason for e in harness.events if e.warning]
    assert "RolloutAborted" in warnings
    # Each event names the Application the Rollout belongs to, for notifications.
    assert {e.app for e in harness.events} == {APP}

    shown = await asyncio.to_thread(
        seaway_cli, "rollout", "status", APP, "--data-dir", str(harness.data_dir)
    )
    assert shown.returncode == 0, shown.stderr
    for text in ("Degraded", "metric crud failed: value 2/8", "Aborted", "Failed", "2/8"):
        assert text in shown.stdout, shown.stdout


async def watch_weights(h: Harness, changes: list[tuple[datetime, dict[str, int]]]) -> None:
    last: dict[str, int] = {}
    while True:
        now = h.weights()
        if now != last:
            changes.append((datetime.now(UTC), now))
            last = now
        await asyncio.sleep(0.001)


async def test_a_controller_killed_mid_rollout_resumes_at_the_same_step(tmp_path: Path) -> None:
    data = tmp_path / "data"
    stable_port, canary_port = two_ports()
    before = await earlier_life("paused", data, stable_port, canary_port)
    pids = set(before["pids"])
    # The replicas outlived their controller and keep serving the split it set.
    assert pids
    assert all(os.path.exists(f"/proc/{pid}") for pid in pids)

    second = await Harness(data).start()
    try:
        await until_split(stable_port, {"v1": 40, "v2": 10})
        after = await second.wait_status("seen again", lambda s: bool(s.pause_conditions))
        assert after.current_step_index == before["step"] == 1
        assert {r.pid for r in second.backend.state.replicas()} == pids
        await second.target.give_command(NAMESPACE, "web", Command.PROMOTE)
        await second.wait_status("paused at 50 %", lambda s: s.current_step_index == 3)
        assert second.weights() == {"stable": 50, "canary": 50}
    finally:
        await second.close()


ROUTER_ERRORS = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "AnalysisTemplate",
    "metadata": {"name": "canary-errors", "namespace": NAMESPACE},
    "spec": {
        "metrics": [
            {
                "name": "canary-error-rate",
                "interval": "300ms",
                "count": 3,
                "successCondition": "result <= 0.1",
                "provider": {
                    "router": {"service": "web", "group": "canary", "metric": "errorRate"}
                },
            }
        ],
    },
}


async def test_the_router_metric_reads_the_canary_group_of_the_stable_service(
    harness: Harness,
) -> None:
    """Real requests through the stable Service's listener: the broken canary's share answers
    500, and the router's own numbers for the canary group fail the analysis."""
    stable_port, canary_port = two_ports()
    await deploy_v1(harness, stable_port, canary_port)
    await harness.backend.apply(ROUTER_ERRORS)
    steps = (
        {"setWeight": 50},
        {"analysis": {"templates": [{"templateName": "canary-errors"}]}},
    )
    stop = asyncio.Event()

    def traffic() -> None:
        while not stop.is_set():
            version_of_items(stable_port)

    # Counters only grow: judged from here on (deploying v1 saw 503s before it was ready).
    before = harness.target.router_snapshot(f"{NAMESPACE}/web").group("stable")
    sending = asyncio.create_task(asyncio.to_thread(traffic))
    try:
        await harness.backend.apply(rollout("v3", strategy(*steps), broken=True))
        status = await harness.wait_status("aborted", lambda s: s.abort)
    finally:
        stop.set()
        await sending
    assert "canary-error-rate" in status.message
    (state,) = saved_states((await harness.rollout())["status"]).values()
    (result,) = state.results
    assert result.phase.value == "Failed"
    assert float(result.measurements[-1].value) > 0.1
    stable = harness.target.router_snapshot(f"{NAMESPACE}/web").group("stable").since(before)
    assert stable.requests > 0
    assert stable.responses_5xx == 0


def version_of_items(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/items")
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


async def test_an_analysis_run_resumes_after_a_restart_with_its_measurements(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    stable_port, canary_port = two_ports()
    told = await earlier_life("measuring", data, stable_port, canary_port)
    (before,) = saved_states(told["status"]).values()

    second = await Harness(data).start()
    try:
        await second.wait_status(
            "v2 stable",
            lambda s: s.phase is RolloutPhase.HEALTHY and s.stable_hash == s.current_pod_hash,
        )
        (after,) = saved_states((await second.rollout())["status"]).values()
        (result,) = after.results
        # The same run, carried on: its start and the measurements taken before the kill.
        assert after.started_at == before.started_at
        assert result.phase.value == "Successful"
        assert result.count == 4
        kept = before.results[0].measurements
        assert len(kept) >= 2
        assert result.measurements[: len(kept)] == kept
    finally:
        await second.close()
