"""Canary (and a plain RollingUpdate, a canary without steps): the steps one by one, then the
new version made stable.

With a traffic router the weight is a share of requests and the canary's replicas follow it
(or setCanaryScale); without one the weight is the share of replicas, the only split the
Services can make, and maxSurge/maxUnavailable bound how far the two sets move at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from seaway.model.rollout import (
    DEFAULT_MAX_SURGE,
    DEFAULT_MAX_UNAVAILABLE,
    DEFAULT_SCALE_DOWN_DELAY_SECONDS,
    CanaryStep,
    CanaryStrategy,
    IntOrString,
    RolloutStrategy,
    SetCanaryScale,
)
from seaway.rollout.engine.context import Work, count_of, fail_analysis
from seaway.rollout.engine.types import AnalysisKind, AnalysisPhase, HeaderRoute, Traffic

NO_ROUTER_NOTE = "weights are replica ratios: no traffic router"


@dataclass(frozen=True)
class Shape:
    """Replicas and weight at one step."""

    canary: int
    stable: int
    weight: int  # the weight traffic is at (may lag the step's while the canary gets ready)
    target: int  # the step's weight
    settled: bool  # replicas and weight are where the step wants them


def _strategy(work: Work) -> RolloutStrategy:
    strategy = work.rollout.spec.strategy
    assert strategy is not None  # noqa: S101 - the model requires one
    return strategy


def _canary(work: Work) -> CanaryStrategy:
    return _strategy(work).canary or CanaryStrategy()


def steps_of(work: Work) -> list[CanaryStep]:
    return _canary(work).steps


def _percent(work: Work, weight: int) -> int:
    """A setWeight as a percentage: of trafficRouting.maxTrafficWeight when that is set."""
    routing = _canary(work).traffic_routing
    top = routing.max_weight if routing is not None else 100
    capped = min(weight, top)
    return (capped * 100 + top // 2) // top


def _target_weight(work: Work, index: int) -> int:
    steps = steps_of(work)
    if index >= len(steps) or work.status.promote_full:
        return 100
    weight = 0
    for step in steps[: index + 1]:
        if step.set_weight is not None:
            weight = _percent(work, step.set_weight)
    return weight


def _canary_scale(work: Work, index: int) -> SetCanaryScale | None:
    """The setCanaryScale in effect: the last one up to the step (matchTrafficWeight ends it)."""
    found: SetCanaryScale | None = None
    steps = steps_of(work)
    if index >= len(steps) or work.status.promote_full:
        return None
    for step in steps[: index + 1]:
        if step.set_canary_scale is not None:
            scale = step.set_canary_scale
            found = None if scale.match_traffic_weight else scale
    return found


def _share(replicas: int, weight: int) -> int:
    return math.ceil(replicas * weight / 100)


def _routed_shape(work: Work, index: int) -> Shape:
    replicas, target = work.replicas, _target_weight(work, index)
    scale = _canary_scale(work, index)
    if scale is None:
        canary = _share(replicas, target)
    elif scale.replicas is not None:
        canary = scale.replicas
    else:
        canary = _share(replicas, scale.weight or 0)
    ready = work.ready(work.current) >= canary
    # More traffic only once the canary can take it; less at once.
    weight = target if ready or target <= work.status.canary_weight else work.status.canary_weight
    stable = replicas
    if _canary(work).dynamic_stable_scale:
        stable = max(_share(replicas, 100 - weight), replicas - work.ready(work.current))
        stable = min(stable, replicas)
    return Shape(canary, stable, weight, target, ready and weight == target)


def _replica_shape(
    work: Work, index: int, surge_of: IntOrString | None, unavailable_of: IntOrString | None
) -> Shape:
    replicas, target = work.replicas, _target_weight(work, index)
    surge = count_of(surge_of, replicas, DEFAULT_MAX_SURGE, round_up=True)
    unavailable = count_of(unavailable_of, replicas, DEFAULT_MAX_UNAVAILABLE, round_up=False)
    wanted = _share(replicas, target)
    ready = work.ready(work.current)
    stable_final = replicas - wanted
    # Stable gives up a replica only for a ready canary one, or within maxUnavailable.
    stable = min(replicas, max(stable_final, replicas - unavailable - ready))
    # Both sets together stay within replicas + maxSurge, counting the stable pods still
    # running: the target scales up before it scales down, so room freed in this same step
    # is only taken once those pods are gone.
    room = replicas + surge - max(stable, work.running(work.stable))
    canary = min(wanted, max(room, ready, 0))
    settled = ready >= wanted and work.running(work.stable) <= stable_final
    return Shape(canary, stable, target, target, settled)


def _splits_by_weight(canary: CanaryStrategy) -> bool:
    """A router that sends each request by weight; the `service` router only points the two
    Services at their sets, so its weight, like no router's, is the replica ratio."""
    routing = canary.traffic_routing
    if routing is None:
        return False
    return routing.seaway is None or routing.seaway.router != "service"


def shape_at(work: Work, index: int) -> Shape:
    canary = _canary(work)
    if _splits_by_weight(canary):
        return _routed_shape(work, index)
    strategy = _strategy(work)
    if strategy.kind == "rollingUpdate" and strategy.rolling_update is not None:
        rolling = strategy.rolling_update
        return _replica_shape(work, index, rolling.max_surge, rolling.max_unavailable)
    return _replica_shape(work, index, canary.max_surge, canary.max_unavailable)


def _apply(work: Work, shape: Shape) -> None:
    work.update(canary_weight=shape.weight)
    work.scale = {work.stable: shape.stable, work.current: shape.canary}
    work.traffic = Traffic(
        stable_hash=work.stable,
        canary_hash=work.current,
        canary_weight=shape.weight,
        header_routes=work.status.header_routes,
    )


# -- steps --------------------------------------------------------------------------------------


def _pause_done(work: Work, step: CanaryStep) -> bool:
    assert step.pause is not None  # noqa: S101 - called for pause steps
    seconds = step.pause.seconds
    if work.intent.promote or seconds == 0:
        work.unpause("CanaryPauseStep")
        return True
    held = work.pause("CanaryPauseStep")
    if seconds is None:
        return False
    end = held.start_time + timedelta(seconds=seconds)
    if work.now >= end:
        work.unpause("CanaryPauseStep")
        return True
    work.due_at(end)
    return False


def _analysis_done(work: Work, index: int, step: CanaryStep) -> bool:
    assert step.analysis is not None  # noqa: S101 - called for analysis steps
    if work.intent.promote:
        work.unpause("InconclusiveAnalysisRun")
        return True
    outcome = work.run(AnalysisKind.STEP, index, step.analysis)
    match outcome.phase:
        case AnalysisPhase.SUCCESSFUL:
            return True
        case AnalysisPhase.FAILED | AnalysisPhase.ERROR:
            fail_analysis(work, outcome)
        case AnalysisPhase.INCONCLUSIVE:
            work.pause("InconclusiveAnalysisRun")
    return False


def _route_done(work: Work, index: int, step: CanaryStep) -> bool:
    route = step.set_header_route
    assert route is not None  # noqa: S101 - called for setHeaderRoute steps
    routing = _canary(work).traffic_routing
    managed = {m.name for m in routing.managed_routes} if routing is not None else set()
    if route.name not in managed:
        work.update(
            invalid_spec=f"steps[{index}].setHeaderRoute: route {route.name!r} is not listed in "
            "trafficRouting.managedRoutes"
        )
        return False
    routes = [r for r in work.status.header_routes if r.name != route.name]
    if route.match:
        routes.append(HeaderRoute(route.name, tuple(route.match)))
    work.update(header_routes=tuple(routes))
    return True


def _step_done(work: Work, index: int, step: CanaryStep) -> bool:
    match step.action:
        case "setWeight":
            return work.intent.promote or shape_at(work, index).settled
        case "pause":
            return _pause_done(work, step)
        case "analysis":
            return _analysis_done(work, index, step)
        case "setHeaderRoute":
            return _route_done(work, index, step)
        case "setCanaryScale":
            return True
    work.update(
        invalid_spec=f"steps[{index}].{step.action}: Seaway does not run {step.action} steps"
    )
    return False


def _background_ok(work: Work, index: int) -> bool:
    """Whether the background analysis lets the steps go on (it runs from startingStep)."""
    analysis = _canary(work).analysis
    if analysis is None or index < (analysis.starting_step or 0):
        return True
    outcome = work.run(AnalysisKind.BACKGROUND, None, analysis)
    if outcome.phase in (AnalysisPhase.FAILED, AnalysisPhase.ERROR):
        fail_analysis(work, outcome)
        return False
    if outcome.phase is AnalysisPhase.INCONCLUSIVE:
        if not work.intent.promote:
            work.pause("InconclusiveAnalysisRun")
            return False
        work.intent.promote = False
        work.unpause("InconclusiveAnalysisRun")
    return True


def _walk(work: Work) -> int:
    """Complete every step that is done, in order; the index of the first that is not."""
    steps = steps_of(work)
    index = work.status.current_step_index or 0
    while index < len(steps) and not work.status.promote_full:
        if not _background_ok(work, index) or not _step_done(work, index, steps[index]):
            break
        work.emit(
            "RolloutStepCompleted",
            f"Rollout step {index + 1}/{len(steps)} completed ({steps[index].action})",
        )
        work.intent.promote = False
        index += 1
        work.update(current_step_index=index)
    return index


def _promote(work: Work) -> None:
    """The canary is ready at full scale: it becomes stable."""
    canary = _canary(work)
    old = work.stable
    work.update(
        stable_hash=work.current,
        canary_weight=0,
        header_routes=(),
        promote_full=False,
        pause_conditions=(),
        current_step_index=len(canary.steps) if canary.steps else None,
    )
    delay = 0
    if canary.traffic_routing is not None:
        given = canary.scale_down_delay_seconds
        delay = DEFAULT_SCALE_DOWN_DELAY_SECONDS if given is None else given
    work.scale_down_later(old, delay)
    work.emit("RolloutCompleted", f"Rollout completed update to revision {work.current}")
    steady(work)


def steady(work: Work) -> None:
    """No update in progress: everything on stable."""
    work.scale = {work.stable: work.replicas}
    work.traffic = Traffic(stable_hash=work.stable, canary_hash=work.stable)
    if work.status.canary_weight or work.status.header_routes:
        work.update(canary_weight=0, header_routes=())


def _hold(work: Work, index: int) -> None:
    """Held: every set stays as it runs and the traffic as it was."""
    work.scale = {h: work.running(h) for h in (work.stable, work.current)}
    work.traffic = Traffic(
        stable_hash=work.stable,
        canary_hash=work.current,
        canary_weight=work.status.canary_weight,
        header_routes=work.status.header_routes,
    )
    steps = steps_of(work)
    if index < len(steps):
        work.note = f"step {index + 1}/{len(steps)}: {steps[index].action}"


def advance(work: Work, *, hold: bool) -> None:
    if work.current == work.stable:
        steady(work)
        return
    if _strategy(work).kind == "canary" and _canary(work).traffic_routing is None:
        work.note = NO_ROUTER_NOTE
    if not hold:
        work.update(invalid_spec="")
        index = _walk(work)
        if work.status.abort:
            return
    else:
        index = work.status.current_step_index or 0
    steps = steps_of(work)
    # Runs of steps left behind in this decision are no longer wanted.
    work.analyses = [
        r
        for r in work.analyses
        if index < len(steps) and r.step in (None, index) and not work.status.promote_full
    ]
    if hold:
        _hold(work, index)
        return
    if index < len(steps) and not work.status.promote_full:
        work.note = f"step {index + 1}/{len(steps)}: {steps[index].action}" + (
            f" ({NO_ROUTER_NOTE})" if work.note else ""
        )
    shape = shape_at(work, index)
    _apply(work, shape)
    done = index >= len(steps_of(work)) or work.status.promote_full
    if done and work.ready(work.current) >= work.replicas:
        _promote(work)
