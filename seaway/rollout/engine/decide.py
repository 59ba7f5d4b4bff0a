"""`decide`: the next step of a rollout, from what it wrote last time and what it sees now.

Pure: no I/O and no clock (the time is the observation's). Calling it again with the same
observation changes nothing and emits no event, so a driver may repeat a pass freely, and a
driver started again from the written status decides exactly as the one that stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from seaway.model.rollout import Rollout, RolloutAnalysis
from seaway.rollout.engine import bluegreen, canary, recreate
from seaway.rollout.engine.conditions import conditions_for
from seaway.rollout.engine.context import Work, count_of
from seaway.rollout.engine.naming import analysis_name, analysis_slot
from seaway.rollout.engine.types import (
    AnalysisKind,
    AnalysisRequest,
    Command,
    Decision,
    Desired,
    Observation,
    RolloutPhase,
    RolloutStatus,
)

# What starting an update (or going back to stable) resets.
_FRESH_UPDATE: dict[str, object] = {
    "abort": False,
    "aborted_at": None,
    "pause_conditions": (),
    "promote_full": False,
    "promoting": False,
    "canary_weight": 0,
    "header_routes": (),
    "analyses": {},
    "deadline_exceeded": False,
    "invalid_spec": "",
    "old_gone_at": None,
    "new_ready_at": None,
    "downtime_seconds": None,
    "message": "",
}


def _steps(work: Work) -> int:
    return len(canary.steps_of(work)) if work.rollout.spec.strategy_kind == "canary" else 0


def _step_index(work: Work, *, done: bool) -> int | None:
    """Argo Rollouts counts steps for a canary with steps only."""
    steps = _steps(work)
    if not steps:
        return None
    return steps if done else 0


def _adopt(work: Work) -> None:
    """A status that names no version (the first deployment, or a status lost): the version
    most of the ready replicas run is stable; none at all, the template's."""
    observed = work.observed
    others = [
        (state.ready, name)
        for name, state in observed.sets.items()
        if name != observed.template_hash and state.ready > 0
    ]
    stable = max(others)[1] if others else observed.template_hash
    work.update(
        current_pod_hash=stable,
        stable_hash=stable,
        current_step_index=_step_index(work, done=True),
        progressed_at=work.now,
    )


def _notice_template(work: Work) -> None:
    new = work.observed.template_hash
    if not work.status.stable_hash or not work.status.current_pod_hash:
        _adopt(work)
    previous = work.status.current_pod_hash
    if new == previous:
        return
    fast = new == work.status.stable_hash
    work.update(
        current_pod_hash=new,
        current_step_index=_step_index(work, done=fast),
        progressed_at=work.now,
        **_FRESH_UPDATE,
    )
    if fast:
        # A revert to the stable version: no steps to walk, and the abandoned version goes
        # as an aborted one would.
        work.scale_down_later(previous, work.abort_delay())
        work.emit("RolloutUpdated", f"Rolled back to the stable revision {new}: steps skipped")
        return
    # A version replaced mid-update has no traffic left (the weight restarts at 0): it goes,
    # unless an abort already gave it a delay.
    if previous not in work.status.scale_down_at:
        work.scale_down_later(previous, 0)
    message = f"Rollout updated to revision {new}"
    if work.rollout.spec.strategy_kind == "canary" and not work.has_router():
        message += f" ({canary.NO_ROUTER_NOTE})"
    work.emit("RolloutUpdated", message)


# -- commands -----------------------------------------------------------------------------------


def _updating(work: Work) -> bool:
    return work.current != work.stable and not work.status.abort


def _command(work: Work, command: Command) -> None:
    status = work.status
    match command:
        case Command.PAUSE if not status.controller_pause:
            work.update(controller_pause=True)
            work.emit("RolloutPaused", "Rollout is paused by request")
        case Command.RESUME if status.controller_pause:
            work.update(controller_pause=False)
            work.emit("RolloutResumed", "Rollout is resumed by request")
        case Command.ABORT if _updating(work):
            work.abort(f"Rollout aborted update to revision {work.current} by request")
        case Command.RETRY if status.abort and work.current != work.stable:
            kept = {h: t for h, t in status.scale_down_at.items() if h != work.current}
            work.update(
                current_step_index=_step_index(work, done=False),
                scale_down_at=kept,
                progressed_at=work.now,
                **_FRESH_UPDATE,
            )
            work.emit("RolloutRetried", f"Retrying the update to revision {work.current}")
        case Command.PROMOTE_FULL if _updating(work) and not status.promote_full:
            work.update(promote_full=True, pause_conditions=(), controller_pause=False)
            work.emit("RolloutPromoted", f"Fully promoting revision {work.current}")
        case Command.PROMOTE if _updating(work):
            work.intent.promote = True
            work.update(controller_pause=False)
            work.emit("RolloutPromoted", f"Promoted revision {work.current}: step skipped")


# -- runs kept while held -----------------------------------------------------------------------


def _keep_runs(work: Work) -> None:
    """While held, the runs already asked for keep running (a run no longer asked for is
    stopped, and would start over)."""
    prefix = f"{work.name}-{work.current}-"
    for name, outcome in work.status.analyses.items():
        kind = analysis_slot(name)
        if outcome.phase.completed or not name.startswith(prefix) or kind is None:
            continue
        step = int(name.rsplit("-", 1)[1]) if kind is AnalysisKind.STEP else None
        analysis = _analysis_of(work, kind, step)
        if analysis is not None and name == analysis_name(work.name, work.current, kind, step):
            args = work.args_for(analysis)
            work.analyses.append(AnalysisRequest(name, kind, step, args))


def _analysis_of(work: Work, kind: AnalysisKind, step: int | None) -> RolloutAnalysis | None:
    strategy = work.rollout.spec.strategy
    if strategy is None:
        return None
    if strategy.canary is not None:
        if kind is AnalysisKind.BACKGROUND:
            return strategy.canary.analysis
        steps = strategy.canary.steps
        if kind is AnalysisKind.STEP and step is not None and step < len(steps):
            return steps[step].analysis
        return None
    if strategy.blue_green is not None:
        if kind is AnalysisKind.PRE_PROMOTION:
            return strategy.blue_green.pre_promotion_analysis
        if kind is AnalysisKind.POST_PROMOTION:
            return strategy.blue_green.post_promotion_analysis
    return None


# -- the status after the move --------------------------------------------------------------------


def _counts(work: Work, rollout: Rollout) -> None:
    sets = work.observed.sets.values()
    ready = sum(s.ready for s in sets)
    work.update(
        replicas=sum(s.replicas for s in sets),
        updated_replicas=work.running(work.current),
        ready_replicas=ready,
        available_replicas=ready,
        observed_generation=rollout.metadata.generation,
    )


def _progress_key(status: RolloutStatus) -> tuple[object, ...]:
    return (
        status.current_pod_hash,
        status.stable_hash,
        status.current_step_index,
        status.updated_replicas,
        status.ready_replicas,
        status.active_selector,
        status.promoting,
        status.pause_conditions,
        status.controller_pause,
        status.abort,
    )


def _complete(work: Work) -> bool:
    if work.current != work.stable or work.ready(work.current) < work.replicas:
        return False
    return not work.is_blue_green() or work.status.active_selector == work.current


def _replicas_settled(work: Work) -> bool:
    """Every set is where the decision wants it: what remains is waiting on something else
    (an analysis), which the progress deadline does not time."""
    return all(
        work.running(pod_hash) == count and work.ready(pod_hash) >= count
        for pod_hash, count in work.scale.items()
    )


def _held(work: Work) -> bool:
    return work.status.controller_pause or work.rollout.spec.paused


def _deadline(work: Work, before: RolloutStatus) -> None:
    """progressDeadlineSeconds without progress: Degraded, or aborted with
    progressDeadlineAbort."""
    if _progress_key(work.status) != _progress_key(before) or work.status.progressed_at is None:
        work.update(progressed_at=work.now, deadline_exceeded=False)
    status = work.status
    waiting = (
        status.abort
        or status.pause_conditions
        or _held(work)
        or _complete(work)
        or _replicas_settled(work)
    )
    if waiting:
        if status.deadline_exceeded:
            work.update(deadline_exceeded=False)
        return
    progressed = work.status.progressed_at
    assert progressed is not None  # noqa: S101 - set above
    end = progressed + timedelta(seconds=work.rollout.spec.progress_deadline)
    if work.now < end:
        work.due_at(end)
        return
    if not status.deadline_exceeded:
        text = f"ReplicaSet {work.name}-{work.current} has timed out progressing"
        work.emit("RolloutTimedOut", text, warning=True)
        if work.rollout.spec.progress_deadline_abort:
            work.abort(f"ProgressDeadlineExceeded: {text}")
            work.keep_delayed()
        else:
            work.update(deadline_exceeded=True)


def _phase(work: Work) -> tuple[RolloutPhase, str]:
    status = work.status
    if status.invalid_spec:
        return RolloutPhase.DEGRADED, f"InvalidSpec: {status.invalid_spec}"
    if status.abort:
        return RolloutPhase.DEGRADED, status.message or "RolloutAborted"
    if status.deadline_exceeded:
        return (
            RolloutPhase.DEGRADED,
            f"ProgressDeadlineExceeded: ReplicaSet {work.name}-{work.current} has timed out "
            "progressing",
        )
    if _held(work):
        return RolloutPhase.PAUSED, "manually paused"
    if status.pause_conditions:
        return RolloutPhase.PAUSED, status.pause_conditions[0].reason
    if _complete(work):
        if status.downtime_seconds is not None:
            return RolloutPhase.HEALTHY, f"recreated with {status.downtime_seconds:g}s of downtime"
        return RolloutPhase.HEALTHY, ""
    if work.note:
        return RolloutPhase.PROGRESSING, work.note
    if work.current != work.stable:
        return RolloutPhase.PROGRESSING, "more replicas need to be updated"
    return RolloutPhase.PROGRESSING, "updated replicas are still becoming available"


def _finish(work: Work, before: RolloutStatus) -> None:
    _counts(work, work.rollout)
    _deadline(work, before)
    phase, message = _phase(work)
    work.update(phase=phase, message=message)
    if work.status.invalid_spec and work.status.invalid_spec != before.invalid_spec:
        work.emit("InvalidSpec", work.status.invalid_spec, warning=True)
    strategy = work.rollout.spec.strategy
    unavailable = count_of(
        strategy.canary.max_unavailable if strategy and strategy.canary else None,
        work.replicas,
        "25%",
        round_up=False,
    )
    work.update(conditions=conditions_for(work, before.conditions, _complete(work), unavailable))


# -- the decision ---------------------------------------------------------------------------------


def _move(work: Work) -> None:
    hold = _held(work)
    if work.status.abort:
        work.aborted()
    else:
        match work.rollout.spec.strategy_kind:
            case "blueGreen":
                bluegreen.advance(work, hold=hold)
            case "recreate":
                recreate.advance(work, hold=hold)
            case _:
                canary.advance(work, hold=hold)
    if hold and not work.status.abort:
        _keep_runs(work)
    work.keep_delayed()


def decide(
    rollout: Rollout,
    status: RolloutStatus | None,
    observed: Observation,
    commands: Sequence[Command] = (),
) -> Decision:
    """The next status, the replicas and traffic wanted, the analysis runs that should be
    running and the events to emit."""
    before = status or RolloutStatus()
    work = Work(rollout, observed, before)
    _notice_template(work)
    for command in commands:
        _command(work, command)
    _move(work)
    _finish(work, before)
    scale = {pod_hash: count for pod_hash, count in work.scale.items() if pod_hash}
    return Decision(
        status=work.status,
        desired=Desired(scale, work.traffic, tuple(work.analyses)),
        events=tuple(work.events),
        requeue_after=min(work.due) if work.due else None,
    )
