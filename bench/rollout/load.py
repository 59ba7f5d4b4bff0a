"""K rollouts at once on one local controller: its CPU time and peak RSS while each app (two
replicas, its own namespace) goes from v1 to v2 through a canary (50 %, then 100 %)."""

from __future__ import annotations

import asyncio
import resource
import time
from dataclasses import dataclass
from pathlib import Path

from bench.rollout import workload as w
from bench.rollout.rig import LocalRig
from seaway.rollout.engine import pod_template_hash
from seaway.rollout.engine.types import RolloutPhase, RolloutStatus


@dataclass
class LoadFigures:
    rollouts: int
    wall_s: float
    cpu_s: float
    peak_rss_mib: float


def _cpu() -> float:
    # This process only: the webapp replicas are processes of their own, not the controller.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _strategy() -> dict[str, object]:
    return w.canary({"setWeight": 50}, {"setWeight": 100})


async def _release(rig: LocalRig, namespaces: list[str], version: str) -> None:
    template = w.rollout("", version, _strategy())["spec"]["template"]
    wanted = pod_template_hash(template)
    for ns in namespaces:
        await rig.apply(w.rollout(ns, version, _strategy()))

    def done(status: RolloutStatus) -> bool:
        return status.phase is RolloutPhase.HEALTHY and status.stable_hash == wanted

    await asyncio.gather(*(rig.wait_status(ns, f"{version} Healthy", done) for ns in namespaces))


async def run(data: Path, rollouts: int) -> LoadFigures:
    rig = await LocalRig(data).start()
    namespaces = [f"load-{i}" for i in range(rollouts)]
    try:
        for ns in namespaces:
            for name in (w.STABLE, w.CANARY):
                await rig.apply(w.service(ns, name))
        await _release(rig, namespaces, "v1")
        cpu0, t0 = _cpu(), time.perf_counter()
        await _release(rig, namespaces, "v2")
        wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    finally:
        await rig.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return LoadFigures(rollouts, wall, cpu, peak)
