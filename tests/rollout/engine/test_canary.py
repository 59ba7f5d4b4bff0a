"""Canary rollouts through the engine, decision by decision (see sim.py: every decision is also
checked to be idempotent and to come out the same when resumed from the written status)."""

from __future__ import annotations

import pytest

from seaway.model.status import HealthStatus
from seaway.rollout.engine import status_from_dict, status_to_dict
from seaway.rollout.engine.types import AnalysisPhase, Command, PauseCondition, RolloutPhase
from tests.rollout import manifests as docs
from tests.rollout.engine import manifests as m
from tests.rollout.engine.sim import Sim


def deployed(manifest: str, **options: bool) -> tuple[Sim, str]:
    sim = Sim(manifest, **options)
    sim.settle()
    sim.take_events()
    assert sim.status is not None
    return sim, sim.status.stable_hash


def test_first_deployment_goes_straight_to_full_scale_and_healthy() -> None:
    sim = Sim(m.ROUTED_CANARY, auto_ready=False)
    first = sim.step()
    v1 = sim.template_hash
    assert first.desired.scale == {v1: 4}
    assert first.desired.analyses == ()
    assert first.status.stable_hash == first.status.current_pod_hash == v1
    assert first.status.current_step_index == 5  # no steps to walk
    assert first.status.phase is RolloutPhase.PROGRESSING
    assert sim.health().status is HealthStatus.PROGRESSING
    sim.ready(v1)
    done = sim.step()
    assert done.status.phase is RolloutPhase.HEALTHY
    assert sim.health().status is HealthStatus.HEALTHY
    assert sim.reasons() == []
    assert done.status.observed_generation == 1
    assert done.status.replicas == done.status.ready_replicas == 4


def test_routed_canary_walks_every_step_then_promotes() -> None:
    sim, v1 = deployed(m.ROUTED_CANARY, auto_ready=False)
    sim.ready(v1)
    v2 = sim.set_image("shop/cart:2.0")

    # setWeight 25: the canary is scaled first; traffic moves once it is ready.
    started = sim.step()
    assert sim.take_events() == ["RolloutUpdated"]
    assert started.status.current_step_index == 0
    assert started.desired.scale == {v1: 4, v2: 1}
    assert started.desired.traffic.canary_weight == 0
    sim.ready(v2)
    paused = sim.step()
    assert paused.desired.traffic.canary_weight == 25
    assert paused.desired.traffic.stable_hash == v1
    assert paused.desired.traffic.canary_hash == v2
    assert paused.status.current_step_index == 1
    assert paused.status.pause_conditions == (PauseCondition("CanaryPauseStep", sim.now),)
    assert paused.status.phase is RolloutPhase.PAUSED
    assert paused.requeue_after == 60
    assert sim.take_events() == ["RolloutStepCompleted", "RolloutPaused"]
    assert sim.health().status is HealthStatus.SUSPENDED

    # The pause ends by itself; the analysis step asks for a run with the hashes.
    sim.wait(30)
    assert sim.step().requeue_after == 30
    sim.wait(30)
    analysing = sim.step()
    assert analysing.status.current_step_index == 2
    [request] = analysing.desired.analyses
    assert request.name == f"cart-{v2}-2"
    assert request.step == 2
    assert request.args["hash"] == v2
    assert request.args["canary-hash"] == v2
    assert request.args["stable-hash"] == v1
    assert sim.take_events() == ["RolloutResumed", "RolloutStepCompleted"]
    assert sim.step().desired.analyses == (request,)

    # Success: setWeight 50 (two replicas, then the weight), then pause until promoted.
    sim.outcome(request.name, AnalysisPhase.SUCCESSFUL)
    scaling = sim.step()
    assert scaling.desired.analyses == ()
    assert scaling.desired.scale == {v1: 4, v2: 2}
    assert scaling.desired.traffic.canary_weight == 25
    sim.ready(v2)
    waiting = sim.step()
    assert waiting.desired.traffic.canary_weight == 50
    assert waiting.status.current_step_index == 4
    assert waiting.status.phase is RolloutPhase.PAUSED
    assert waiting.requeue_after is None
    sim.wait(3600)
    assert sim.step().status.current_step_index == 4
    sim.take_events()

    # PROMOTE: the canary goes to full scale, then becomes stable; the old one waits 30s.
    promoting = sim.step(Command.PROMOTE)
    assert promoting.status.current_step_index == 5
    assert promoting.desired.scale == {v1: 4, v2: 4}
    assert promoting.status.pause_conditions == ()
    sim.ready(v2)
    done = sim.step()
    assert done.status.stable_hash == v2
    assert done.status.phase is RolloutPhase.HEALTHY
    assert done.desired.traffic.stable_hash == v2
    assert done.desired.traffic.canary_weight == 0
    assert done.desired.scale == {v2: 4, v1: 4}
    assert done.requeue_after == 30
    assert sim.take_events() == [
        "RolloutPromoted",
        "RolloutResumed",
        "RolloutStepCompleted",
        "RolloutCompleted",
    ]
    assert sim.health().status is HealthStatus.HEALTHY
    sim.wait(30)
    assert sim.step().desired.scale == {v2: 4}
    assert sim.status is not None
    assert sim.status.scale_down_at == {}


def test_every_step_of_the_argo_docs_canary() -> None:
    """The Argo Rollouts docs' canary (header routes, background analysis from step 2, a step
    analysis, setCanaryScale, pauses) to the end."""
    sim, v1 = deployed(docs.CANARY)
    v2 = sim.set_image("argoproj/rollouts-demo:green")
    assert sim.settle().status.pause_conditions[0].reason == "CanaryPauseStep"
    sim.wait(600)
    at_analysis = sim.settle()
    assert at_analysis.status.current_step_index == 3
    [route] = at_analysis.desired.traffic.header_routes
    assert route.name == "beta-users"
    assert [m.header_name or m.cookie_name for m in route.matches] == ["X-Beta", "group"]
    names = sorted(r.name for r in at_analysis.desired.analyses)
    assert names == [f"guestbook-{v2}-3", f"guestbook-{v2}-background"]
    sim.outcome(f"guestbook-{v2}-3", AnalysisPhase.SUCCESSFUL)
    scaled = sim.settle()
    # setCanaryScale replicas 3, then setWeight 60: three canary replicas take 60 %.
    assert scaled.desired.scale == {v1: 5, v2: 3}
    assert scaled.desired.traffic.canary_weight == 60
    assert scaled.status.current_step_index == 6
    assert [r.name for r in scaled.desired.analyses] == [f"guestbook-{v2}-background"]
    sim.wait(45)
    assert sim.settle().status.current_step_index == 7
    done = sim.settle(Command.PROMOTE)
    assert done.status.stable_hash == v2
    assert done.desired.traffic.header_routes == ()
    assert done.desired.analyses == ()
    assert done.status.phase is RolloutPhase.HEALTHY


def test_failed_analysis_puts_traffic_back_on_stable_in_the_same_decision() -> None:
    sim, v1 = deployed(m.ROUTED_CANARY)
    v2 = sim.set_image("shop/cart:2.0")
    sim.settle()
    sim.wait(60)
    sim.settle()
    name = f"cart-{v2}-2"
    sim.outcome(name, AnalysisPhase.FAILED, metric="error-rate", value="0.31")
    sim.take_events()
    aborted = sim.step()
    assert aborted.desired.traffic.canary_weight == 0
    assert aborted.desired.traffic.stable_hash == v1
    assert aborted.desired.traffic.header_routes == ()
    assert aborted.desired.scale == {v1: 4, v2: 1}  # kept for abortScaleDownDelaySeconds
    assert aborted.desired.analyses == ()
    assert aborted.requeue_after == 30
    assert aborted.status.phase is RolloutPhase.DEGRADED
    assert aborted.status.message == "RolloutAborted: metric error-rate failed: value 0.31"
    assert aborted.status.abort
    assert aborted.status.current_step_index == 0
    assert [(e.reason, e.warning) for e in aborted.events] == [
        ("AnalysisRunFailed", True),
        ("RolloutAborted", True),
    ]
    # The event's reason already says aborted: its message is the cause alone.
    assert aborted.events[-1].message == "metric error-rate failed: value 0.31"
    health = sim.health()
    assert health.status is HealthStatus.DEGRADED
    assert health.message == "RolloutAborted: metric error-rate failed: value 0.31"
    written = sim.written()
    assert written["abort"] is True
    assert written["canary"]["weights"]["canary"] == {"weight": 0, "podTemplateHash": v2}
    assert written["seaway"]["analyses"][name]["metric"] == "error-rate"

    sim.wait(30)
    assert sim.step().desired.scale == {v1: 4}
    sim.wait(3600)
    assert sim.step().status.phase is RolloutPhase.DEGRADED  # until a retry or a new template

    retried = sim.step(Command.RETRY)
    assert retried.status.current_step_index == 0
    assert not retried.status.abort
    assert retried.desired.scale == {v1: 4, v2: 1}
    assert "RolloutRetried" in sim.reasons()
    again = sim.settle()
    assert again.status.phase is RolloutPhase.PAUSED
    assert sim.health().status is HealthStatus.SUSPENDED


def test_abort_command_and_a_new_template_after_it() -> None:
    sim, v1 = deployed(m.ROUTED_CANARY)
    v2 = sim.set_image("shop/cart:2.0")
    sim.settle()
    sim.take_events()
    aborted = sim.step(Command.ABORT)
    assert aborted.desired.traffic.canary_weight == 0
    assert aborted.status.message.startswith("RolloutAborted: Rollout aborted update")
    assert sim.take_events() == ["RolloutAborted"]
    assert sim.step(Command.PROMOTE).status.abort  # nothing to promote while aborted
    v3 = sim.set_image("shop/cart:3.0")
    fresh = sim.step()
    assert not fresh.status.abort
    assert fresh.status.current_pod_hash == v3
    assert fresh.desired.scale == {v1: 4, v3: 1, v2: 1}  # v2 waits out its abort delay
    assert sim.health().status is HealthStatus.PROGRESSING


def test_a_template_equal_to_stable_goes_back_without_steps() -> None:
    sim, v1 = deployed(m.ROUTED_CANARY)
    v2 = sim.set_image("shop/cart:2.0")
    sim.settle()
    assert sim.status is not None
    assert sim.status.canary_weight == 25
    sim.take_events()
    assert sim.set_image("shop/cart:1.0") == v1
    back = sim.step()
    assert back.status.current_pod_hash == back.status.stable_hash == v1
    assert back.status.current_step_index == 5
    assert back.status.pause_conditions == ()
    assert back.desired.traffic.canary_weight == 0
    assert back.desired.traffic.canary_hash == v1
    assert back.status.phase is RolloutPhase.HEALTHY
    assert back.desired.scale == {v1: 4, v2: 1}
    assert sim.take_events() == ["RolloutUpdated"]
    sim.wait(30)
    assert sim.step().desired.scale == {v1: 4}


def test_a_newer_template_mid_update_replaces_the_canary() -> None:
    sim, v1 = deployed(m.ROUTED_CANARY)
    v2 = sim.set_image("shop/cart:2.0")
    sim.settle()
    v3 = sim.set_image("shop/cart:3.0")
    replaced = sim.step()
    assert replaced.status.current_pod_hash == v3
    assert replaced.status.current_step_index == 0
    assert v2 not in replaced.desired.scale
    assert replaced.desired.traffic.canary_hash == v3
    assert replaced.desired.traffic.canary_weight == 0
    assert sim.settle().desired.scale == {v1: 4, v3: 1}


def test_without_a_router_the_weight_is_a_replica_ratio() -> None:
    sim, v1 = deployed(m.REPLICA_CANARY, auto_ready=False)
    sim.ready(v1)
    v2 = sim.set_image("shop/search:2.0")
    first = sim.step()
    assert "no traffic router" in first.events[0].message
    # maxSurge 1, maxUnavailable 0: one canary replica at a time, stable shrinks for ready ones.
    assert first.desired.scale == {v1: 4, v2: 1}
    assert "weights are replica ratios: no traffic router" in first.status.message
    sim.ready(v2)
    # One canary replica ready: stable gives one up, and once that pod is gone (not in the
    # same step: the target scales up first) the canary grows by one, never 4 + 2 at once.
    second = sim.step()
    assert second.desired.scale == {v1: 3, v2: 1}
    assert sim.step().desired.scale == {v1: 3, v2: 2}
    assert sim.step().desired.scale == {v1: 3, v2: 2}  # until the new one is ready
    sim.ready(v2)
    fourth = sim.step()
    assert fourth.desired.scale == {v1: 2, v2: 2}
    paused = sim.step()
    assert paused.status.current_step_index == 1
    assert paused.desired.traffic.canary_weight == 50
    promoted = sim.step(Command.PROMOTE)
    assert promoted.status.current_step_index == 2
    for _ in range(8):
        for pod_hash in list(sim.sets):
            sim.ready(pod_hash)
        sim.step()
    assert sim.status is not None
    assert sim.status.stable_hash == v2
    assert sim.last is not None
    assert sim.last.desired.scale == {v2: 4}  # no scale-down delay without a router
    assert sim.status.phase is RolloutPhase.HEALTHY


def test_max_traffic_weight_set_canary_scale_and_dynamic_stable_scale() -> None:
    sim, v1 = deployed(m.CANARY_SCALE)
    v2 = sim.set_image("shop/feed:2.0")
    first = sim.settle()
    # setWeight 20 of maxTrafficWeight 200 is 10 %; setCanaryScale weight 50 gives 5 replicas
    # of 10; dynamicStableScale leaves stable 9 (90 % of the traffic).
    assert first.desired.traffic.canary_weight == 10
    assert first.desired.scale == {v1: 9, v2: 5}
    assert first.status.current_step_index == 2
    second = sim.settle(Command.PROMOTE)
    # matchTrafficWeight: the canary follows the weight again (50 % -> 5 replicas).
    assert second.desired.traffic.canary_weight == 50
    assert second.desired.scale == {v1: 5, v2: 5}
    assert second.status.current_step_index == 5
    done = sim.settle(Command.PROMOTE)
    assert done.status.stable_hash == v2
    assert done.desired.scale[v2] == 10


def test_inconclusive_analysis_pauses_until_promoted() -> None:
    sim, _ = deployed(m.ROUTED_CANARY)
    v2 = sim.set_image("shop/cart:2.0")
    sim.settle()
    sim.wait(60)
    sim.settle()
    sim.outcome(f"cart-{v2}-2", AnalysisPhase.INCONCLUSIVE, metric="latency", value="310")
    held = sim.step()
    assert held.status.phase is RolloutPhase.PAUSED
    assert held.status.pause_conditions[0].reason == "InconclusiveAnalysisRun"
    assert sim.health().status is HealthStatus.SUSPENDED
    assert sim.step().status.current_step_index == 2
    moved = sim.step(Command.PROMOTE)
    assert moved.status.current_step_index == 3
    assert moved.status.pause_conditions == ()


def test_pause_resume_and_promote_full() -> None:
    sim, v1 = deployed(m.ROUTED_CANARY, auto_ready=False)
    sim.ready(v1)
    v2 = sim.set_image("shop/cart:2.0")
    sim.step()
    held = sim.step(Command.PAUSE)
    assert held.status.controller_pause
    assert held.status.phase is RolloutPhase.PAUSED
    assert sim.health().status is HealthStatus.SUSPENDED
    sim.ready(v2)
    sim.wait(600)
    still = sim.step()
    assert still.status.current_step_index == 0  # nothing moves while held
    assert still.desired.traffic.canary_weight == 0
    resumed = sim.step(Command.RESUME)
    assert not resumed.status.controller_pause
    assert resumed.status.current_step_index == 1
    full = sim.step(Command.PROMOTE_FULL)
    assert full.status.promote_full
    assert full.desired.scale == {v1: 4, v2: 4}
    assert full.desired.analyses == ()
    sim.ready(v2)
    done = sim.step()
    assert done.status.stable_hash == v2
    assert not done.status.promote_full
    assert done.status.phase is RolloutPhase.HEALTHY


def test_promote_completes_the_current_step_when_not_paused() -> None:
    sim, _ = deployed(m.ROUTED_CANARY, auto_ready=False)
    sim.set_image("shop/cart:2.0")
    waiting = sim.step()
    assert waiting.status.current_step_index == 0
    skipped = sim.step(Command.PROMOTE)
    assert skipped.status.current_step_index == 1  # setWeight skipped, now pausing
    assert skipped.status.pause_conditions[0].reason == "CanaryPauseStep"


@pytest.mark.parametrize("abort", [False, True])
def test_progress_deadline(abort: bool) -> None:
    sim, v1 = deployed(m.DEADLINE.replace("{abort}", str(abort).lower()), auto_ready=False)
    sim.ready(v1)
    v2 = sim.set_image("shop/slow:2.0")
    sim.step()
    assert sim.step().requeue_after == 120  # the canary's replica was created: progress
    sim.wait(119)
    assert sim.step().status.phase is RolloutPhase.PROGRESSING
    sim.wait(1)
    late = sim.step()
    assert late.status.phase is RolloutPhase.DEGRADED
    health = sim.health()
    assert health.status is HealthStatus.DEGRADED
    if abort:
        assert late.status.abort
        assert health.message.startswith("RolloutAborted: ProgressDeadlineExceeded")
        assert late.desired.traffic.canary_weight == 0
        return
    assert health.message.startswith("ProgressDeadlineExceeded:")
    assert "RolloutTimedOut" in sim.reasons()
    sim.ready(v2)
    recovered = sim.step()
    assert recovered.status.phase is RolloutPhase.PAUSED
    assert not recovered.status.deadline_exceeded


def test_a_step_seaway_does_not_run_is_reported_not_guessed() -> None:
    sim, _ = deployed(m.EXPERIMENT)
    sim.set_image("shop/lab:2.0")
    stuck = sim.settle()
    assert stuck.status.phase is RolloutPhase.DEGRADED
    assert stuck.status.current_step_index == 1
    assert "experiment" in stuck.status.invalid_spec
    health = sim.health()
    assert health.status is HealthStatus.DEGRADED
    assert "Seaway does not run experiment steps" in health.message
    assert "InvalidSpec" in sim.reasons()


# (seconds to wait, commands, a run's outcome) per pass of the docs' canary after an update.
TIMELINE: list[tuple[int, tuple[Command, ...], tuple[str, AnalysisPhase] | None]] = [
    (0, (), None),
    (0, (), None),
    (600, (), None),
    (0, (), None),
    (0, (), ("3", AnalysisPhase.SUCCESSFUL)),
    (0, (), None),
    (45, (), None),
    (0, (), None),
    (0, (Command.PROMOTE,), None),
    (0, (), None),
    (30, (), None),
]


def test_resuming_from_the_written_status_at_every_decision() -> None:
    """A driver that stops after any decision and starts again from the status it wrote
    (nothing kept in memory) makes the same decisions as one that never stopped."""
    runs = []
    for restart in (False, True):
        sim, _ = deployed(docs.CANARY)
        v2 = sim.set_image("argoproj/rollouts-demo:green")
        decisions = []
        for wait, commands, outcome in TIMELINE:
            sim.wait(wait)
            if outcome is not None:
                sim.outcome(f"guestbook-{v2}-{outcome[0]}", outcome[1])
            if restart and sim.status is not None:
                sim.status = status_from_dict(status_to_dict(sim.status))
            decisions.append(sim.step(*commands))
        runs.append(decisions)
    assert runs[0] == runs[1]
    assert runs[0][-1].status.phase is RolloutPhase.HEALTHY
    steps = [d.status.current_step_index for d in runs[0]]
    assert steps == [0, 1, 3, 3, 5, 6, 7, 7, 8, 8, 8], steps


def test_background_analysis_failure_aborts() -> None:
    sim, v1 = deployed(docs.CANARY)
    v2 = sim.set_image("argoproj/rollouts-demo:green")
    sim.settle()
    sim.wait(600)
    sim.settle()
    sim.outcome(
        f"guestbook-{v2}-background", AnalysisPhase.FAILED, metric="success-rate", value="0.8"
    )
    aborted = sim.step()
    assert aborted.status.abort
    assert aborted.desired.traffic.canary_weight == 0
    assert aborted.desired.traffic.header_routes == ()
    assert aborted.desired.traffic.stable_hash == v1
    assert aborted.desired.analyses == ()
    assert aborted.status.message == "RolloutAborted: metric success-rate failed: value 0.8"


def test_an_unmanaged_header_route_is_reported_not_guessed() -> None:
    """The loader refuses such a Rollout; the engine checks again for one built otherwise."""
    sim, _ = deployed(docs.CANARY)
    sim.set_image("argoproj/rollouts-demo:green")
    strategy = sim.rollout.spec.strategy
    assert strategy is not None
    assert strategy.canary is not None
    assert strategy.canary.traffic_routing is not None
    strategy.canary.traffic_routing.managed_routes = []
    sim.settle()
    sim.wait(600)
    stuck = sim.settle()
    assert stuck.status.current_step_index == 2
    assert stuck.status.phase is RolloutPhase.DEGRADED
    assert "not listed in trafficRouting.managedRoutes" in stuck.status.message
    assert stuck.desired.traffic.header_routes == ()


def test_spec_paused_holds_like_a_pause_command() -> None:
    sim, v1 = deployed(m.ROUTED_CANARY)
    sim.edit(["spec", "paused"], True)
    v2 = sim.set_image("shop/cart:2.0")
    held = sim.step()
    assert held.status.current_pod_hash == v2
    assert held.status.phase is RolloutPhase.PAUSED
    assert held.desired.scale == {v1: 4, v2: 0}
    assert sim.health().status is HealthStatus.SUSPENDED
    sim.edit(["spec", "paused"], False)
    assert sim.settle().status.current_step_index == 1


def test_a_held_rollout_keeps_its_runs_going() -> None:
    """Pausing must not stop a run in flight: a run no longer asked for would start over."""
    sim, _ = deployed(docs.CANARY)
    v2 = sim.set_image("argoproj/rollouts-demo:green")
    sim.settle()
    sim.wait(600)
    running = sim.settle()
    held = sim.step(Command.PAUSE)
    assert held.status.phase is RolloutPhase.PAUSED
    assert held.desired.analyses == running.desired.analyses
    sim.outcome(f"guestbook-{v2}-3", AnalysisPhase.SUCCESSFUL)
    assert sim.step().status.current_step_index == 3  # held: the outcome waits
    assert sim.step(Command.RESUME).status.current_step_index == 5  # past setCanaryScale
