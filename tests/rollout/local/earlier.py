"""The first life of a controller in a restart test, in a process of its own:

    python -m tests.rollout.local.earlier SCENARIO DATA_DIR STABLE_PORT CANARY_PORT

It runs the local backend and the rollout driver, takes a rollout to the scenario's point,
prints what the test needs as JSON, and dies there without any cleanup, as a killed controller
would: the replicas it started keep running for the next controller to adopt.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from seaway.cluster.local.backend import LocalBackend
from seaway.cluster.local.replicasets import ReplicaSet
from seaway.rollout.engine.types import Desired, Traffic
from seaway.rollout.runs import saved_states
from seaway.rollout.targets.local import LocalRolloutTarget
from tests.rollout.local.harness import Harness
from tests.rollout.local.scenarios import (
    SANITY,
    analysis_step,
    deploy_v1,
    fixed_service,
    strategy,
)
from tests.rollout.local.workload import NAMESPACE, canary, rollout, until

PAUSE_STEPS = ({"setWeight": 20}, {"pause": {}}, {"setWeight": 50}, {"pause": {}})
# An analysis slow enough to be cut in the middle: four rounds 700 ms apart.
SLOW_SANITY: dict[str, Any] = {
    **SANITY,
    "spec": {
        **SANITY["spec"],
        "metrics": [{**SANITY["spec"]["metrics"][0], "count": 4, "interval": "700ms"}],
    },
}


async def paused(h: Harness, stable_port: int, canary_port: int) -> dict[str, Any]:
    await deploy_v1(h, stable_port, canary_port)
    await h.backend.apply(rollout("v2", strategy(*PAUSE_STEPS)))
    status = await h.wait_status("paused at 20 %", lambda s: bool(s.pause_conditions))
    return {"step": status.current_step_index}


async def measuring(h: Harness, stable_port: int, canary_port: int) -> dict[str, Any]:
    await deploy_v1(h, stable_port, canary_port)
    await h.backend.apply(SLOW_SANITY)
    await h.backend.apply(rollout("v2", strategy({"setWeight": 50}, analysis_step(canary_port))))

    async def measured_twice() -> bool:
        runs = saved_states((await h.rollout()).get("status"))
        return any(len(r.measurements) >= 2 for s in runs.values() for r in s.results)

    await until("two measurements saved", measured_twice)
    return {}


SCENARIOS = {"paused": paused, "measuring": measuring}


async def sets(data: Path, stable_port: int) -> list[int]:
    """No driver: the target alone runs v1 and v2 side by side, split 50/50."""
    backend = LocalBackend(data / "local", tick=0.1)
    await backend.start()
    target = LocalRolloutTarget(backend)
    obj = rollout("v2", canary({"setWeight": 50}))
    await backend.apply(obj)
    await backend.apply(fixed_service("web", stable_port))
    v1 = ReplicaSet(NAMESPACE, "web", "hashv1", rollout("v1", {})["spec"]["template"], 0)
    backend.scale_set(v1)
    await target.apply(obj, Desired({"hashv1": 1, "hashv2": 1}, Traffic("hashv1", "hashv2", 50)))

    async def running() -> bool:
        counts = backend.set_counts(NAMESPACE, "web")
        return all(c.ready == 1 for c in counts.values()) and len(counts) == 2

    await until("both sets ready", running)
    return sorted(r.pid for r in backend.state.replicas() if r.pid)


async def main(scenario: str, data: Path, stable_port: int, canary_port: int) -> None:
    if scenario == "sets":
        told: dict[str, Any] = {"pids": await sets(data, stable_port)}
    else:
        h = await Harness(data).start()
        told = await SCENARIOS[scenario](h, stable_port, canary_port)
        told["pids"] = sorted(r.pid for r in h.backend.state.replicas() if r.pid)
        told["status"] = (await h.rollout())["status"]
    print(json.dumps(told), flush=True)
    os._exit(0)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
