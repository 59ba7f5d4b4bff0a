"""What one decision works on, and the moves every strategy shares (abort, scale-down delays,
analysis requests and outcomes)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from seaway.model.rollout import (
    DEFAULT_SCALE_DOWN_DELAY_SECONDS,
    IntOrString,
    Rollout,
    RolloutAnalysis,
)
from seaway.rollout.engine.naming import analysis_name
from seaway.rollout.engine.types import (
    AnalysisKind,
    AnalysisOutcome,
    AnalysisPhase,
    AnalysisRequest,
    Event,
    Observation,
    PauseCondition,
    RolloutStatus,
    Traffic,
)


@dataclass
class Intent:
    """The commands of one decision, as what they ask the strategy to do."""

    # PROMOTE: the first step (or pause, or check) that waits is passed; used up by it.
    promote: bool = False


@dataclass
class Work:
    """One decision in the making: the status so far and what the target should do."""

    rollout: Rollout
    observed: Observation
    status: RolloutStatus
    intent: Intent = field(default_factory=Intent)
    events: list[Event] = field(default_factory=list)
    scale: dict[str, int] = field(default_factory=dict)
    traffic: Traffic = field(default_factory=Traffic)
    analyses: list[AnalysisRequest] = field(default_factory=list)
    # Seconds until each time-bound thing is due.
    due: list[float] = field(default_factory=list)
    # A note for the status message while progressing.
    note: str = ""

    @property
    def now(self) -> datetime:
        return self.observed.now

    @property
    def name(self) -> str:
        return self.rollout.metadata.name

    @property
    def replicas(self) -> int:
        return self.rollout.spec.replica_count

    @property
    def current(self) -> str:
        return self.status.current_pod_hash

    @property
    def stable(self) -> str:
        return self.status.stable_hash

    def ready(self, pod_hash: str) -> int:
        found = self.observed.sets.get(pod_hash)
        return found.ready if found is not None else 0

    def running(self, pod_hash: str) -> int:
        found = self.observed.sets.get(pod_hash)
        return found.replicas if found is not None else 0

    def update(self, **changes: object) -> None:
        self.status = replace(self.status, **changes)  # type: ignore[arg-type]

    def emit(self, reason: str, message: str, *, warning: bool = False) -> None:
        self.events.append(Event(reason, message, warning))

    def due_at(self, when: datetime) -> None:
        self.due.append(max(0.0, (when - self.now).total_seconds()))

    # -- pauses ---------------------------------------------------------------------------

    def pause(self, reason: str) -> PauseCondition:
        """The pause of that reason, started now (with an event) if it was not already on."""
        for held in self.status.pause_conditions:
            if held.reason == reason:
                return held
        held = PauseCondition(reason, self.now)
        self.update(pause_conditions=(*self.status.pause_conditions, held))
        self.emit("RolloutPaused", f"Rollout is paused ({reason})")
        return held

    def unpause(self, reason: str) -> None:
        kept = tuple(p for p in self.status.pause_conditions if p.reason != reason)
        if kept != self.status.pause_conditions:
            self.update(pause_conditions=kept)
            self.emit("RolloutResumed", f"Rollout is resumed ({reason})")

    # -- analysis -------------------------------------------------------------------------

    def run(
        self, kind: AnalysisKind, step: int | None, analysis: RolloutAnalysis
    ) -> AnalysisOutcome:
        """Ask for the run (while it has not finished) and return where it stands."""
        name = analysis_name(self.name, self.current, kind, step)
        seen = self.observed.analyses.get(name) or self.status.analyses.get(name)
        outcome = seen if seen is not None else AnalysisOutcome(name, AnalysisPhase.PENDING)
        if self.status.analyses.get(name) != outcome:
            self.update(analyses={**self.status.analyses, name: outcome})
        if not outcome.phase.completed and all(r.name != name for r in self.analyses):
            self.analyses.append(AnalysisRequest(name, kind, step, self.args_for(analysis)))
        return outcome

    def args_for(self, analysis: RolloutAnalysis) -> dict[str, str]:
        latest, stable = self.current, self.stable or self.current
        args = {"canary-hash": latest, "latest-hash": latest, "stable-hash": stable}
        for arg in analysis.args:
            wanted = arg.value_from.pod_template_hash_value if arg.value_from else None
            if wanted == "Latest":
                args[arg.name] = latest
            elif wanted == "Stable":
                args[arg.name] = stable
        return args

    # -- scale-down delays ----------------------------------------------------------------

    def scale_down_later(self, pod_hash: str, seconds: int) -> None:
        """Keep `pod_hash`'s replicas for `seconds` more, then let them go."""
        if not pod_hash or pod_hash in (self.current, self.stable):
            return
        if seconds <= 0 or self.running(pod_hash) == 0:
            self._drop_delay(pod_hash)
            return
        if pod_hash not in self.status.scale_down_at:
            when = self.now + timedelta(seconds=seconds)
            self.update(scale_down_at={**self.status.scale_down_at, pod_hash: when})

    def _drop_delay(self, pod_hash: str) -> None:
        if pod_hash in self.status.scale_down_at:
            kept = {h: t for h, t in self.status.scale_down_at.items() if h != pod_hash}
            self.update(scale_down_at=kept)

    def keep_delayed(self) -> None:
        """Hashes waiting out a scale-down delay keep their replicas until it ends."""
        for pod_hash, when in list(self.status.scale_down_at.items()):
            if pod_hash in self.scale:
                self._drop_delay(pod_hash)
            elif when > self.now and self.running(pod_hash) > 0:
                self.scale[pod_hash] = self.running(pod_hash)
                self.due_at(when)
            else:
                self._drop_delay(pod_hash)

    # -- abort ----------------------------------------------------------------------------

    def has_router(self) -> bool:
        canary = self.rollout.spec.strategy.canary if self.rollout.spec.strategy else None
        return canary is not None and canary.traffic_routing is not None

    def keeps_aborted(self) -> bool:
        """abortScaleDownDelaySeconds: 0 (blue/green, or a canary with a router) leaves the
        aborted version running, as Argo Rollouts does."""
        strategy = self.rollout.spec.strategy
        if strategy is not None and strategy.blue_green is not None:
            return strategy.blue_green.abort_scale_down_delay_seconds == 0
        canary = strategy.canary if strategy is not None else None
        return (
            canary is not None
            and canary.traffic_routing is not None
            and canary.abort_scale_down_delay_seconds == 0
        )

    def abort_delay(self) -> int:
        strategy = self.rollout.spec.strategy
        if strategy is not None and strategy.blue_green is not None:
            given = strategy.blue_green.abort_scale_down_delay_seconds
            return DEFAULT_SCALE_DOWN_DELAY_SECONDS if given is None else given
        canary = strategy.canary if strategy is not None else None
        if canary is None or canary.traffic_routing is None:
            return 0
        given = canary.abort_scale_down_delay_seconds
        return DEFAULT_SCALE_DOWN_DELAY_SECONDS if given is None else given

    def abort(self, message: str) -> None:
        """Traffic back to stable, stable to full, the new version scaled down after the
        abort delay; the rollout stays aborted until a retry or a new template."""
        if self.status.abort:
            return
        text = f"RolloutAborted: {message}"
        self.update(
            abort=True,
            aborted_at=self.now,
            message=text,
            pause_conditions=(),
            promoting=False,
            promote_full=False,
            canary_weight=0,
            header_routes=(),
            current_step_index=0 if self.status.current_step_index is not None else None,
        )
        delay = self.abort_delay()
        if delay > 0 and self.current != self.stable and self.running(self.current) > 0:
            when = self.now + timedelta(seconds=delay)
            self.update(scale_down_at={**self.status.scale_down_at, self.current: when})
        self.emit("RolloutAborted", message, warning=True)
        self.aborted()

    def aborted(self) -> None:
        """What an aborted rollout wants: every request on stable, stable at full scale (the
        new version waits out its abort delay in `keep_delayed`)."""
        self.scale = {self.stable: self.replicas}
        if self.keeps_aborted() and self.current != self.stable:
            self.scale[self.current] = self.running(self.current)
        self.analyses = []
        if self.is_blue_green():
            self.update(active_selector=self.stable, preview_selector=self.stable)
            self.traffic = Traffic(active_hash=self.stable, preview_hash=self.stable)
        else:
            self.traffic = Traffic(stable_hash=self.stable, canary_hash=self.stable)

    def is_blue_green(self) -> bool:
        strategy = self.rollout.spec.strategy
        return strategy is not None and strategy.blue_green is not None


def failure_message(outcome: AnalysisOutcome) -> str:
    """`metric error-rate failed: value 0.31`, or the run's own message when no metric is
    named."""
    verb = "errored" if outcome.phase is AnalysisPhase.ERROR else "failed"
    if outcome.metric:
        text = f"metric {outcome.metric} {verb}"
        if outcome.value:
            text += f": value {outcome.value}"
        return text
    return f"analysis {outcome.name} {verb}" + (f": {outcome.message}" if outcome.message else "")


def fail_analysis(work: Work, outcome: AnalysisOutcome) -> None:
    work.emit("AnalysisRunFailed", f"{outcome.name}: {failure_message(outcome)}", warning=True)
    work.abort(failure_message(outcome))


def count_of(value: IntOrString | None, replicas: int, default: str, *, round_up: bool) -> int:
    """maxSurge (rounded up) or maxUnavailable (rounded down) as a number of replicas."""
    given: IntOrString = default if value is None else value
    if isinstance(given, int):
        return given
    share = replicas * int(given.rstrip("%")) / 100
    return math.ceil(share) if round_up else math.floor(share)
