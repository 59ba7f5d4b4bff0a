"""The local backend with real processes and real HTTP on 127.0.0.1: Deployments run as
supervised replicas behind the router, roll on a template change, heal a killed replica, keep
state across a restart, and report what they cannot run."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from seaway.cluster.local.backend import LocalBackend
from seaway.cluster.local.replica import Backoff
from seaway.health import assess
from seaway.model.status import HealthStatus

pytestmark = pytest.mark.anyio


def deployment(
    version: str, replicas: int = 2, strategy: dict[str, Any] | None = None
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "replicas": replicas,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "terminationGracePeriodSeconds": 2,
                "containers": [
                    {
                        "name": "web",
                        "image": "example/web:" + version,
                        "command": [sys.executable, "-m", "seaway.demo.webapp"],
                        "env": [{"name": "VERSION", "value": version}],
                        "ports": [{"name": "http", "containerPort": 8080}],
                        "readinessProbe": {
                            "httpGet": {"path": "/healthz", "port": "http"},
                            "periodSeconds": 0.2,
                        },
                    }
                ],
            },
        },
    }
    if strategy:
        spec["strategy"] = strategy
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "demo"},
        "spec": spec,
    }


SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web", "namespace": "demo"},
    "spec": {"selector": {"app": "web"}, "ports": [{"port": 0, "targetPort": "http"}]},
}


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[LocalBackend]:
    b = LocalBackend(tmp_path / "data", tick=0.1, backoff=Backoff(base=0.2, cap=1.0))
    await b.start()
    try:
        yield b
    finally:
        await b.close()


async def until(what: str, probe: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await probe()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def healthy(backend: LocalBackend) -> bool:
    live = await backend.get("apps/v1", "Deployment", "web", "demo")
    result = assess(live)
    return result is not None and result.status is HealthStatus.HEALTHY


async def service_port(backend: LocalBackend) -> int:
    svc = await backend.get("v1", "Service", "web", "demo")
    assert svc is not None
    return int(svc["status"]["loadBalancer"]["ingress"][0]["ports"][0]["port"])


def get_version(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/version", timeout=5) as resp:
        return str(json.loads(resp.read())["version"])


async def test_deployment_runs_behind_its_service_and_rolls(backend: LocalBackend) -> None:
    await backend.apply(deployment("v1"))
    await backend.apply(SERVICE)
    await until("v1 Healthy", lambda: healthy(backend))
    live = await backend.get("apps/v1", "Deployment", "web", "demo")
    assert live is not None
    assert live["status"]["readyReplicas"] == 2
    assert live["metadata"]["generation"] == 1
    port = await service_port(backend)
    assert {await asyncio.to_thread(get_version, port) for _ in range(10)} == {"v1"}

    # A changed env var rolls the replicas; the Service keeps answering throughout.
    await backend.apply(deployment("v2", strategy={"rollingUpdate": {"maxUnavailable": 0}}))
    answers: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        answers.append(await asyncio.to_thread(get_version, port))
        if answers[-1] == "v2" and await healthy(backend):
            break
    live = await backend.get("apps/v1", "Deployment", "web", "demo")
    assert live is not None
    assert live["metadata"]["generation"] == 2
    assert live["status"]["updatedReplicas"] == 2
    assert set(answers) <= {"v1", "v2"}
    assert answers[-1] == "v2"
    assert {await asyncio.to_thread(get_version, port) for _ in range(10)} == {"v2"}


async def test_a_replica_killed_by_hand_is_replaced(backend: LocalBackend) -> None:
    await backend.apply(deployment("v1", replicas=1))
    await until("Healthy", lambda: healthy(backend))
    pid = backend.supervisor.statuses()[0].pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)

    async def replaced() -> bool:
        statuses = backend.supervisor.statuses()
        return bool(statuses) and statuses[0].pid != pid and statuses[0].ready

    await until("a new Ready replica", replaced)


EARLIER_SEAWAY = """
import asyncio, os, sys, time
from pathlib import Path
from seaway.cluster.local.backend import LocalBackend
from seaway.health import assess
from tests.local.test_backend import deployment

async def main() -> None:
    backend = LocalBackend(Path(sys.argv[1]), tick=0.1)
    await backend.start()
    await backend.apply(deployment("v1", replicas=1))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        live = await backend.get("apps/v1", "Deployment", "web", "demo")
        health = assess(live)
        if health is not None and health.status.value == "Healthy":
            print(backend.supervisor.statuses()[0].pid, flush=True)
            os._exit(0)  # dies as a crashed controller would: no clean-up at all
        await asyncio.sleep(0.05)
    os._exit(1)

asyncio.run(main())
"""


async def test_restart_adopts_running_replicas(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # The earlier Seaway runs (and dies) in a process of its own, as it would for real.
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", EARLIER_SEAWAY, str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
        check=False,
    )
    assert done.returncode == 0, done.stderr
    pid = int(done.stdout.strip())
    assert _alive(pid)

    second = LocalBackend(data, tick=0.1)
    await second.start()
    try:
        live = await second.get("apps/v1", "Deployment", "web", "demo")
        assert live is not None
        assert live["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] == "v1"
        statuses = second.supervisor.statuses()
        assert [s.pid for s in statuses] == [pid]
        assert statuses[0].adopted
        await until("Healthy after adoption", lambda: healthy(second))
        assert [s.pid for s in second.supervisor.statuses()] == [pid]
    finally:
        await second.close()
    await until("the adopted replica stopped", lambda: _async_not_alive(pid))


async def _async_not_alive(pid: int) -> bool:
    return not _alive(pid)


async def test_unsupported_kind_is_stored_and_reported(backend: LocalBackend) -> None:
    stored = await backend.apply(
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "nightly", "namespace": "demo"},
            "spec": {"schedule": "0 3 * * *"},
        }
    )
    condition = stored["status"]["conditions"][0]
    assert condition["reason"] == "UnsupportedOnLocalBackend"
    result = assess(stored)
    assert result is not None
    assert result.status is HealthStatus.DEGRADED
    assert "not supported on the local backend" in result.message


async def test_a_container_without_command_says_so(backend: LocalBackend) -> None:
    bad = deployment("v1", replicas=1)
    del bad["spec"]["template"]["spec"]["containers"][0]["command"]
    await backend.apply(bad)

    async def failed() -> dict[str, Any] | None:
        live = await backend.get("apps/v1", "Deployment", "web", "demo")
        conditions = {c["type"]: c for c in (live or {}).get("status", {}).get("conditions", [])}
        return conditions.get("ReplicaFailure")

    failure = await until("a ReplicaFailure condition", failed)
    assert "command" in failure["message"]
    live = await backend.get("apps/v1", "Deployment", "web", "demo")
    result = assess(live)
    assert result is not None
    assert result.status is HealthStatus.DEGRADED


async def test_delete_stops_the_processes(backend: LocalBackend) -> None:
    await backend.apply(deployment("v1", replicas=2))
    await until("Healthy", lambda: healthy(backend))
    pids = [s.pid for s in backend.supervisor.statuses()]
    assert await backend.delete("apps/v1", "Deployment", "web", "demo")

    async def gone() -> bool:
        return not backend.supervisor.statuses() and not any(_alive(p) for p in pids)

    await until("replicas stopped", gone)


def _alive(pid: int | None) -> bool:
    """Running, not a zombie waiting for its parent to reap it."""
    assert pid is not None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2 :].split()[0] != "Z"


async def test_a_clean_stop_leaves_no_replica_to_adopt(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "data", tick=0.1)
    await backend.start()
    await backend.apply(deployment("v1", replicas=2))
    await until("Healthy", lambda: healthy(backend))
    assert len(backend.state.replicas()) == 2
    await backend.close()
    again = LocalBackend(tmp_path / "data", tick=0.1)
    try:
        assert again.state.replicas() == []
    finally:
        again.state.close()


async def test_close_ends_the_runtime_when_a_change_wakes_it_at_that_moment(
    tmp_path: Path,
) -> None:
    """A change (here an apply; with replicas running, each probe result) wakes the runtime
    loop just as close() cancels it. On Python 3.11 asyncio.wait_for lost that cancellation:
    the loop ran on and close() waited for it for ever (the rollout bench hung so)."""
    backend = LocalBackend(tmp_path / "data", tick=60)
    await backend.start()
    for _ in range(10):
        # The loop's first pass (nothing to run) ends; it waits for a change or the tick.
        await asyncio.sleep(0)
    await backend.apply(SERVICE)
    closing = asyncio.create_task(backend.close())
    done, _ = await asyncio.wait({closing}, timeout=30)
    if not done:
        closing.cancel()  # close() awaits the loop: this cancels the loop once more
        await asyncio.wait({closing})
        pytest.fail("close() still waited for the runtime loop after 30 s")
    closing.result()
