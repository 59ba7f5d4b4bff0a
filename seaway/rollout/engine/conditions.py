"""status.conditions as Argo Rollouts writes them, each keeping its times while it holds."""

from __future__ import annotations

from collections.abc import Sequence

from seaway.rollout.engine.context import Work
from seaway.rollout.engine.types import Condition, RolloutPhase

# (type, status, reason, message)
_Wanted = tuple[str, str, str, str]


def _progressing(work: Work, complete: bool) -> _Wanted:
    status = work.status
    name = work.name
    if status.abort:
        return (
            "Progressing",
            "False",
            "RolloutAborted",
            status.message.removeprefix("RolloutAborted: "),
        )
    if status.deadline_exceeded:
        text = f"ReplicaSet {name}-{work.current} has timed out progressing."
        return ("Progressing", "False", "ProgressDeadlineExceeded", text)
    if status.phase is RolloutPhase.PAUSED:
        return ("Progressing", "Unknown", "RolloutPaused", "Rollout is paused")
    if complete:
        text = f"ReplicaSet {name}-{work.current} has successfully progressed."
        return ("Progressing", "True", "NewReplicaSetAvailable", text)
    return (
        "Progressing",
        "True",
        "ReplicaSetUpdated",
        f"ReplicaSet {name}-{work.current} is progressing.",
    )


def _wanted(
    work: Work, previous: Sequence[Condition], complete: bool, unavailable: int
) -> list[_Wanted]:
    status = work.status
    wanted: list[_Wanted] = []
    if status.invalid_spec:
        wanted.append(("InvalidSpec", "True", "InvalidSpec", status.invalid_spec))
    wanted.append(_progressing(work, complete))
    available = status.available_replicas >= work.replicas - unavailable
    wanted.append(
        (
            "Available",
            "True" if available else "False",
            "AvailableReason",
            "Rollout has minimum availability"
            if available
            else "Rollout does not have minimum availability",
        )
    )
    paused = status.phase is RolloutPhase.PAUSED
    if paused or any(c.type == "Paused" for c in previous):
        wanted.append(
            ("Paused", "True", "RolloutPaused", "Rollout is paused")
            if paused
            else ("Paused", "False", "RolloutResumed", "Rollout is resumed")
        )
    healthy = status.phase is RolloutPhase.HEALTHY
    wanted.append(
        (
            "Healthy",
            "True" if healthy else "False",
            "RolloutHealthy" if healthy else "RolloutHealthyFalse",
            "Rollout is healthy" if healthy else "Rollout is not healthy",
        )
    )
    wanted.append(
        (
            "Completed",
            "True" if complete else "False",
            "RolloutCompleted",
            "Rollout completed update to revision" if complete else "Rollout is updating",
        )
    )
    return wanted


def conditions_for(
    work: Work, previous: Sequence[Condition], complete: bool, unavailable: int
) -> tuple[Condition, ...]:
    """The conditions now; a condition that did not change keeps its times, one whose status
    stayed keeps its transition time."""
    before = {c.type: c for c in previous}
    found = []
    for kind, state, reason, message in _wanted(work, previous, complete, unavailable):
        old = before.get(kind)
        if old is not None and (old.status, old.reason, old.message) == (state, reason, message):
            found.append(old)
            continue
        changed = old.last_transition if old is not None and old.status == state else work.now
        found.append(Condition(kind, state, reason, message, work.now, changed))
    return tuple(found)
