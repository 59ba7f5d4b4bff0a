"""Recreate: every old replica stopped, then the new version started; the gap between the last
old replica going and the first new one being ready is the downtime, measured and reported."""

from __future__ import annotations

from seaway.rollout.engine.context import Work
from seaway.rollout.engine.types import Traffic


def steady(work: Work) -> None:
    work.scale = {work.stable: work.replicas}
    work.traffic = Traffic(stable_hash=work.stable, canary_hash=work.stable)


def _old_running(work: Work) -> bool:
    return any(
        state.replicas > 0 for name, state in work.observed.sets.items() if name != work.current
    )


def advance(work: Work, *, hold: bool) -> None:
    if work.current == work.stable:
        steady(work)
        return
    if hold:
        # Every set stays as it runs.
        work.scale = {h: s.replicas for h, s in work.observed.sets.items() if s.replicas}
        serving = work.current if work.status.old_gone_at is not None else work.stable
        work.traffic = Traffic(stable_hash=serving, canary_hash=serving)
        return
    if work.status.old_gone_at is None:
        # Nothing but stopping: a hash not listed goes to 0.
        work.scale = {}
        work.traffic = Traffic(stable_hash=work.stable, canary_hash=work.stable)
        work.note = "waiting for the old replicas to stop"
        if _old_running(work):
            return
        work.update(old_gone_at=work.now)
    work.scale = {work.current: work.replicas}
    work.traffic = Traffic(stable_hash=work.current, canary_hash=work.current)
    work.note = "starting the new replicas"
    ready = work.ready(work.current)
    if (ready > 0 or work.replicas == 0) and work.status.new_ready_at is None:
        work.update(new_ready_at=work.now)
    if ready < work.replicas or work.status.new_ready_at is None:
        return
    gone = work.status.old_gone_at
    assert gone is not None  # noqa: S101 - set above
    downtime = max(0.0, (work.status.new_ready_at - gone).total_seconds())
    work.update(stable_hash=work.current, downtime_seconds=downtime)
    work.emit(
        "RolloutCompleted",
        f"Rollout completed update to revision {work.current} with {downtime:g}s of downtime",
    )
    steady(work)
