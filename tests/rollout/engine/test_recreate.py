"""Recreate and a Deployment-style RollingUpdate through the engine."""

from __future__ import annotations

import pytest

from seaway.model.status import HealthStatus
from seaway.rollout.engine.types import Command, RolloutPhase
from tests.rollout.engine import manifests as m
from tests.rollout.engine.sim import Sim


@pytest.mark.parametrize("manifest", [m.RECREATE, m.DEPLOYMENT_RECREATE])
def test_recreate_stops_the_old_version_first_and_measures_the_downtime(manifest: str) -> None:
    sim = Sim(manifest, auto_ready=False)
    sim.step()
    v1 = sim.template_hash
    sim.ready(v1)
    assert sim.step().status.phase is RolloutPhase.HEALTHY
    v2 = sim.set_image("shop/batch:2.0")

    stopping = sim.step()
    assert stopping.desired.scale == {}  # every old replica to 0, nothing new yet
    assert stopping.status.phase is RolloutPhase.PROGRESSING
    assert sim.health().status is HealthStatus.PROGRESSING
    sim.wait(3)
    starting = sim.step()  # the target reports no old replica left
    assert starting.desired.scale == {v2: 2}
    assert starting.status.old_gone_at == sim.now
    assert starting.desired.traffic.stable_hash == v2
    sim.wait(4)
    sim.ready(v2, 1)
    first_ready = sim.step()
    assert first_ready.status.new_ready_at == sim.now
    assert first_ready.status.stable_hash == v1
    sim.wait(2)
    sim.ready(v2)
    done = sim.step()
    assert done.status.stable_hash == v2
    assert done.status.downtime_seconds == 4.0
    assert done.status.phase is RolloutPhase.HEALTHY
    assert done.status.message == "recreated with 4s of downtime"
    [event] = [e for e in done.events if e.reason == "RolloutCompleted"]
    assert "4s of downtime" in event.message
    health = sim.health()
    assert health.status is HealthStatus.HEALTHY
    assert health.message == "recreated with 4s of downtime"
    assert sim.written()["seaway"]["recreate"]["downtimeSeconds"] == 4.0


def test_rolling_update_honours_max_surge_and_max_unavailable() -> None:
    sim = Sim(m.ROLLING, auto_ready=False)
    sim.step()
    v1 = sim.template_hash
    sim.ready(v1)
    sim.step()
    v2 = sim.set_image("shop/api:2.0")
    first = sim.step()
    assert first.status.current_step_index is None
    # maxSurge 1 and maxUnavailable 1 of 4: one new replica and one old one fewer at once;
    # the surge room the old one frees is taken once its pod is gone, as a Deployment does.
    assert first.desired.scale == {v1: 3, v2: 1}
    totals = []
    for _ in range(10):
        for pod_hash in list(sim.sets):
            sim.ready(pod_hash)
        decision = sim.step()
        scale = decision.desired.scale
        totals.append(sum(scale.values()))
        if decision.status.phase is RolloutPhase.HEALTHY:
            break
    assert sim.status is not None
    assert sim.status.stable_hash == v2
    assert sim.last is not None
    assert sim.last.desired.scale == {v2: 4}
    assert max(totals) <= 5  # never more than replicas + maxSurge


def test_a_held_recreate_stops_nothing_more() -> None:
    sim = Sim(m.RECREATE)
    sim.settle()
    v1 = sim.template_hash
    sim.set_image("shop/batch:2.0")
    held = sim.step(Command.PAUSE)
    assert held.desired.scale == {v1: 2}
    assert held.status.phase is RolloutPhase.PAUSED
    resumed = sim.step(Command.RESUME)
    assert resumed.desired.scale == {}
