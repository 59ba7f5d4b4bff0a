"""The local rollout target on the real local backend: replica sets per pod-template hash run
the demo web service as processes, and the router splits real HTTP requests as a `Traffic` says.
The engine is not involved: each test gives the target the decisions itself."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from seaway.cluster.local.backend import LocalBackend
from seaway.cluster.local.replica import Backoff
from seaway.cluster.local.spec import free_port
from seaway.cluster.local.state import LocalState
from seaway.diff import diff
from seaway.model.rollout import RouteMatch, StringMatch
from seaway.rollout.engine.types import (
    Command,
    Desired,
    HeaderRoute,
    ReplicaSetState,
    Traffic,
)
from seaway.rollout.targets.local import LocalRolloutTarget
from tests.rollout.local.scenarios import earlier_life
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

V1, V2 = "hashv1", "hashv2"  # earlier.py uses them too


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[LocalBackend]:
    b = LocalBackend(tmp_path / "data", tick=0.1, backoff=Backoff(base=0.2, cap=1.0))
    await b.start()
    try:
        yield b
    finally:
        await b.close()


async def ready(target: LocalRolloutTarget, obj: dict[str, object], wanted: dict[str, int]) -> None:
    async def check() -> bool:
        sets = await target.observe(obj)
        return all(
            sets.get(h, ReplicaSetState(h, 0, 0)).ready == n and sets[h].replicas == n
            for h, n in wanted.items()
        )

    await until(f"replica sets {wanted}", check)


async def test_canary_weights_and_header_routes_split_real_requests(
    backend: LocalBackend,
) -> None:
    target = LocalRolloutTarget(backend)
    obj = rollout("v1", canary({"setWeight": 20}, routes=("beta",)))
    await backend.apply(obj)
    for name in ("web", "web-canary"):
        await backend.apply(service(name))
    await target.apply(obj, Desired({V1: 2}, Traffic(stable_hash=V1)))
    await ready(target, obj, {V1: 2})
    stable = service_port(backend, "web")
    assert await split(stable, 10) == {"v1": 10}

    # v2 as the canary with 20 % of the requests; the beta group (a header or a cookie) always.
    obj = rollout("v2", canary({"setWeight": 20}, routes=("beta",)))
    await backend.apply(obj)
    routes = (
        HeaderRoute(
            "beta", (RouteMatch(header_name="X-Group", header_value=StringMatch(exact="beta")),)
        ),
        HeaderRoute(
            "beta-cookie",
            (RouteMatch(cookie_name="group", cookie_value=StringMatch(prefix="beta")),),
        ),
    )
    traffic = Traffic(stable_hash=V1, canary_hash=V2, canary_weight=20, header_routes=routes)
    await target.apply(obj, Desired({V1: 2, V2: 1}, traffic))
    await ready(target, obj, {V1: 2, V2: 1})
    assert await split(stable, 50) == {"v1": 40, "v2": 10}
    assert await split(stable, 10, {"X-Group": "beta"}) == {"v2": 10}
    assert await split(stable, 10, {"Cookie": "theme=dark; group=beta-7"}) == {"v2": 10}
    assert await split(service_port(backend, "web-canary"), 5) == {"v2": 5}

    # The router's own numbers tell the canary's requests from the stable's.
    listener = backend.router.get(f"{NAMESPACE}/web:0").snapshot()
    assert listener.group("canary").requests == 30
    assert listener.group("stable").requests == 50

    # 50 %, then all of it, then v1 scaled away: the split follows each step.
    await target.apply(obj, Desired({V1: 2, V2: 2}, Traffic(V1, V2, 50)))
    await ready(target, obj, {V1: 2, V2: 2})
    assert await split(stable, 20) == {"v1": 10, "v2": 10}
    await target.apply(obj, Desired({V2: 2}, Traffic(stable_hash=V2)))
    await ready(target, obj, {V2: 2})
    assert await split(stable, 10) == {"v2": 10}
    assert V1 not in await target.observe(obj)
    # The old template is kept for a rollback to it.
    kept = backend.replica_set(NAMESPACE, "web", V1)
    assert kept is not None
    assert kept.replicas == 0
    assert kept.template["spec"]["containers"][0]["env"][0]["value"] == "v1"


async def test_blue_green_preview_then_switch(backend: LocalBackend) -> None:
    target = LocalRolloutTarget(backend)
    strategy = {"blueGreen": {"activeService": "web", "previewService": "web-preview"}}
    obj = rollout("v1", strategy)
    await backend.apply(obj)
    for name in ("web", "web-preview"):
        await backend.apply(service(name))
    await target.apply(obj, Desired({V1: 2}, Traffic(active_hash=V1)))
    await ready(target, obj, {V1: 2})
    active, preview = service_port(backend, "web"), service_port(backend, "web-preview")
    assert await split(active, 6) == {"v1": 6}
    assert await split(preview, 6) == {"v1": 6}

    obj = rollout("v2", strategy)
    await backend.apply(obj)
    await target.apply(obj, Desired({V1: 2, V2: 2}, Traffic(active_hash=V1, preview_hash=V2)))
    await ready(target, obj, {V1: 2, V2: 2})
    assert await split(active, 6) == {"v1": 6}
    assert await split(preview, 6) == {"v2": 6}

    await target.apply(obj, Desired({V1: 2, V2: 2}, Traffic(active_hash=V2, preview_hash=V2)))
    assert await split(active, 6) == {"v2": 6}


async def test_what_a_rollout_changes_is_not_drift(backend: LocalBackend) -> None:
    """Replica counts, selectors, weights and status live beside the objects: the stored
    Rollout and Services compare equal to what Git holds, and keep their generation."""
    target = LocalRolloutTarget(backend)
    obj = rollout("v1", canary({"setWeight": 50}))
    await backend.apply(obj)
    await backend.apply(service("web"))
    await target.apply(obj, Desired({V1: 1, V2: 0}, Traffic(V1, V2, 50)))
    await target.write_status(obj, {"phase": "Progressing", "currentStepIndex": 0})
    live = await backend.get("argoproj.io/v1alpha1", "Rollout", "web", NAMESPACE)
    svc = await backend.get("v1", "Service", "web", NAMESPACE)
    assert live is not None
    assert svc is not None
    assert live["metadata"]["generation"] == 1
    assert live["status"]["phase"] == "Progressing"
    assert not diff(obj, live).modified
    assert not diff(service("web"), svc).modified


async def test_sets_and_routes_survive_a_killed_controller(tmp_path: Path) -> None:
    """The first controller runs in a process of its own and dies without cleanup
    (earlier.py); the next one adopts the replicas and routes as the first one left it."""
    data = tmp_path / "data"
    port = free_port()
    told = await earlier_life("sets", data, port, 0)
    pids = set(told["pids"])
    assert len(pids) == 2

    second = LocalBackend(data / "local", tick=0.1)
    await second.start()
    try:
        target = LocalRolloutTarget(second)
        obj = rollout("v2", canary({"setWeight": 50}))
        await ready(target, obj, {V1: 1, V2: 1})
        assert {r.pid for r in second.state.replicas()} == pids
        assert all(os.path.exists(f"/proc/{pid}") for pid in pids)
        await until("both versions served", lambda: answers_both(port))
        assert await split(port, 10) == {"v1": 5, "v2": 5}
    finally:
        await second.close()


async def answers_both(port: int) -> bool:
    try:
        return set(await split(port, 4)) == {"v1", "v2"}
    except OSError:
        return False


async def test_commands_queue_across_processes_and_are_taken_once(
    backend: LocalBackend,
) -> None:
    target = LocalRolloutTarget(backend)
    obj = rollout("v1", canary({"pause": {}}))
    # Another process (the CLI) opens the same state file on its own.
    other = LocalState(backend.data_dir / "local.db")
    try:
        other.give_command(NAMESPACE, "web", Command.PROMOTE.value)
        other.give_command(NAMESPACE, "web", "bogus")
        other.give_command(NAMESPACE, "other", Command.ABORT.value)
    finally:
        other.close()
    await target.give_command(NAMESPACE, "web", Command.PAUSE)
    assert await target.take_commands(obj) == [Command.PROMOTE, Command.PAUSE]
    assert await target.take_commands(obj) == []


async def test_deleting_the_rollout_stops_its_pods_and_frees_its_services(
    backend: LocalBackend,
) -> None:
    target = LocalRolloutTarget(backend)
    obj = rollout("v1", canary({"setWeight": 50}))
    await backend.apply(obj)
    await backend.apply(service("web"))
    await target.apply(obj, Desired({V1: 1}, Traffic(stable_hash=V1)))
    await ready(target, obj, {V1: 1})
    assert backend.overlay(NAMESPACE, "web") is not None
    await backend.delete("argoproj.io/v1alpha1", "Rollout", "web", NAMESPACE)
    await until("pods stopped", lambda: asyncio.sleep(0, not backend.state.replicas()))
    assert backend.overlay(NAMESPACE, "web") is None
    assert backend.replica_sets(NAMESPACE, "web") == []
