"""The rollout scenarios on the local backend, each on a rig of its own: real webapp processes,
real HTTP through the router, the driver at the production tick.

- abort: releases that fail their sanity analysis; from the failing measurement to the table
  that sends everything to stable, and to the first request stable answered after it; each
  release's first step (setWeight 50) gives a canary step sample on the way;
- blue/green: promote commands while a client sends requests to the active Service;
- recreate: the gap a client sees vs the downtime the status records.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.rollout import workload as w
from bench.rollout.rig import LocalRig, TableChange, until
from seaway.rollout.engine import pod_template_hash
from seaway.rollout.engine.types import Command, RolloutPhase, RolloutStatus
from seaway.rollout.runs import saved_states

NS = "bench"


@dataclass
class ReadyWatch:
    """When each pod-template hash of a rollout first had N Ready replicas, polled every 5 ms
    through the target (what the driver observes)."""

    rig: LocalRig
    namespace: str
    seen: dict[tuple[str, int], float] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None

    def start(self) -> ReadyWatch:
        self._task = asyncio.create_task(self._loop())
        return self

    async def _loop(self) -> None:
        while True:
            sets = await self.rig.target.observe(await self.rig.raw(self.namespace))
            now = time.time()
            for state in sets.values():
                self.seen.setdefault((state.hash, state.ready), now)
            await asyncio.sleep(0.005)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


@dataclass
class AbortFigures:
    to_table: list[float] = field(default_factory=list)
    to_stable_answer: list[float] = field(default_factory=list)
    step: list[float] = field(default_factory=list)


def _hash(version: str, broken: bool = False) -> str:
    return pod_template_hash(w.rollout(NS, version, {}, broken=broken)["spec"]["template"])


async def _v1_canary(rig: LocalRig) -> tuple[dict[str, Any], int]:
    for name in (w.STABLE, w.CANARY):
        await rig.apply(w.service(NS, name))
    await rig.apply(w.sanity_template(NS))
    canary_port = await rig.port(NS, w.CANARY)
    strategy = w.canary({"setWeight": 50}, w.analysis_step(canary_port), {"setWeight": 100})
    strategy["canary"]["abortScaleDownDelaySeconds"] = 1
    await rig.apply(w.rollout(NS, "v1", strategy))
    await rig.wait_status(NS, "v1 Healthy", lambda s: s.phase is RolloutPhase.HEALTHY)
    return strategy, await rig.port(NS, w.STABLE)


async def abort(data: Path, samples: int) -> AbortFigures:
    rig = await LocalRig(data).start()
    figures = AbortFigures()
    try:
        strategy, stable_port = await _v1_canary(rig)
        client = w.Client(stable_port).start()
        watch = ReadyWatch(rig, NS).start()
        releases = _Releases(rig, strategy, rig.listener(NS, w.STABLE), client, watch)
        try:
            for i in range(samples):
                await releases.one(f"v{i + 2}", figures)
        finally:
            watch.stop()
            client.stop()
    finally:
        await rig.close()
    return figures


@dataclass
class _Releases:
    """Broken releases of one canary rollout, one after the other."""

    rig: LocalRig
    strategy: dict[str, Any]
    listener: str  # the stable Service's
    client: w.Client
    watch: ReadyWatch

    async def one(self, version: str, figures: AbortFigures) -> None:
        new = _hash(version, broken=True)
        applied = time.time()
        await self.rig.apply(w.rollout(NS, version, self.strategy, broken=True))
        status = await self.rig.wait_status(
            NS, f"{version} aborted", lambda s: s.abort and s.current_pod_hash == new
        )
        failed = [
            m.finished_at.timestamp()
            for state in saved_states((await self.rig.raw(NS))["status"]).values()
            if state.started_at.timestamp() >= applied
            for result in state.results
            if result.phase.value == "Failed"
            for m in result.measurements[-1:]
        ]
        if not failed:
            raise RuntimeError(f"{version} aborted without a failed measurement: {status.message}")
        failed_at = min(failed)
        back = self.rig.first_change(
            self.listener, failed_at, lambda c: c.weights.get("canary", 0) == 0
        )
        if back is None:
            raise RuntimeError(f"{version}: no routing table back on stable after the failure")
        figures.to_table.append(back.at - failed_at)
        answered = await until(
            "a request answered by stable", _first_answer(self.client, back.at, "v1"), timeout=10
        )
        figures.to_stable_answer.append(answered.end - failed_at)
        step = self._step(new)
        if step is not None:
            figures.step.append(step)
        # The aborted canary scales down after abortScaleDownDelaySeconds (1 s) before the next.
        await until("the aborted canary gone", _scaled_down(self.rig, new), timeout=30)

    def _step(self, new: str) -> float | None:
        """From the canary's first replica Ready to the table giving it 50 %."""
        ready = self.watch.seen.get((new, 1))
        if ready is None:
            return None

        def weighted(change: TableChange) -> bool:
            canary = [g for g in change.table.groups if g.name == "canary"]
            return bool(canary and canary[0].weight == 50 and canary[0].endpoints)

        # Polled every 5 ms: the driver may have seen Ready a little before the poll did.
        step = self.rig.first_change(self.listener, ready - 0.005, weighted)
        return None if step is None else max(0.0, step.at - ready)


def _first_answer(
    client: w.Client, after: float, version: str
) -> Callable[[], Awaitable[w.Answer | None]]:
    async def probe() -> w.Answer | None:
        return next((a for a in client.since(after) if a.result == version), None)

    return probe


def _scaled_down(
    rig: LocalRig, template_hash: str, namespace: str = NS
) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        sets = await rig.target.observe(await rig.raw(namespace))
        return all(s.replicas == 0 for s in sets.values() if s.hash == template_hash)

    return probe


@dataclass
class SwitchFigures:
    to_switch: list[float] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)


async def blue_green(data: Path, samples: int) -> SwitchFigures:
    rig = await LocalRig(data).start()
    figures = SwitchFigures()
    strategy = {
        "blueGreen": {
            "activeService": w.STABLE,
            "previewService": w.PREVIEW,
            "autoPromotionEnabled": False,
            "scaleDownDelaySeconds": 1,
        }
    }
    try:
        for name in (w.STABLE, w.PREVIEW):
            await rig.apply(w.service(NS, name))
        await rig.apply(w.rollout(NS, "v1", strategy))
        await rig.wait_status(NS, "v1 Healthy", lambda s: s.phase is RolloutPhase.HEALTHY)
        client = w.Client(await rig.port(NS, w.STABLE)).start()
        try:
            for i in range(samples):
                await _one_switch(rig, strategy, client, f"v{i + 2}", figures)
        finally:
            client.stop()
    finally:
        await rig.close()
    return figures


async def _one_switch(
    rig: LocalRig, strategy: dict[str, Any], client: w.Client, version: str, f: SwitchFigures
) -> None:
    before = await rig.status(NS)
    old = before.stable_hash if before is not None else ""
    new = _hash(version)
    await rig.apply(w.rollout(NS, version, strategy))
    await rig.wait_status(
        NS, f"{version} paused before the switch", lambda s: bool(s.pause_conditions)
    )
    preview_port = await rig.port(NS, w.PREVIEW)

    async def previewed() -> bool:
        return await asyncio.to_thread(w.ask, preview_port) == version

    await until(f"{version} on the preview Service", previewed, timeout=30)
    wanted = frozenset(
        str(e) for g in rig.table(NS, w.PREVIEW).groups if g.weight for e in g.endpoints
    )
    active = rig.listener(NS, w.STABLE)
    promoted = time.time()
    # As `seaway rollout promote` does from another process: the driver finds it on its tick.
    await rig.target.give_command(NS, "web", Command.PROMOTE)
    await rig.wait_status(
        NS, f"{version} active", lambda s: s.phase is RolloutPhase.HEALTHY and s.stable_hash == new
    )
    await until("the old version scaled down", _scaled_down(rig, old), timeout=30)
    await asyncio.sleep(0.5)  # requests in flight while the old pods stopped have ended
    done = time.time()
    switched = rig.first_change(active, promoted, lambda c: c.endpoints == wanted)
    if switched is None:
        raise RuntimeError(f"{version}: the active Service never switched to the preview's pods")
    f.to_switch.append(switched.at - promoted)
    during = [a for a in client.since(promoted) if a.end <= done]
    f.sent.append(len(during))
    f.failed.append(sum(1 for a in during if not a.ok))


@dataclass
class DowntimeFigures:
    seen: list[float] = field(default_factory=list)
    recorded: list[float] = field(default_factory=list)


async def recreate(data: Path, samples: int) -> DowntimeFigures:
    rig = await LocalRig(data).start()
    figures = DowntimeFigures()
    try:
        await rig.apply(w.service(NS, w.STABLE))
        await rig.apply(w.rollout(NS, "v1", {"recreate": {}}))
        await rig.wait_status(NS, "v1 Healthy", lambda s: s.phase is RolloutPhase.HEALTHY)
        client = w.Client(await rig.port(NS, w.STABLE)).start()
        try:
            for i in range(samples):
                await _one_recreate(rig, client, f"v{i + 2}", figures)
        finally:
            client.stop()
    finally:
        await rig.close()
    return figures


async def _one_recreate(
    rig: LocalRig, client: w.Client, version: str, figures: DowntimeFigures
) -> None:
    new = _hash(version)
    applied = time.time()
    await rig.apply(w.rollout(NS, version, {"recreate": {}}))

    def healthy(s: RolloutStatus) -> bool:
        done = s.phase is RolloutPhase.HEALTHY and s.stable_hash == new
        return done and s.downtime_seconds is not None

    done = await rig.wait_status(NS, f"{version} Healthy", healthy)
    first_new = await until(
        f"{version} answering", _first_answer(client, applied, version), timeout=30
    )
    failed = [a for a in client.since(applied) if not a.ok and a.start <= first_new.start]
    # From the first request that failed to the first the new version answered.
    figures.seen.append(first_new.end - failed[0].start if failed else 0.0)
    figures.recorded.append(float(done.downtime_seconds or 0.0))
