"""The rollout engine's contract: what it observes, what it decides, what it keeps.

The engine (`decide`) is pure: from a Rollout, the status it wrote last time, what the target
reports now and the commands people gave, it returns the next status, the replicas and traffic
it wants, the analysis runs that should be running and the events to emit. Drivers (the local
backend, Kubernetes) carry the decision out and come back with a new observation; every choice
lives in the status, so a controller killed mid-rollout resumes at the same step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from seaway.model.rollout import RouteMatch

# The label that tells one pod template's replicas from another's, as Argo Rollouts names it.
HASH_LABEL = "rollouts-pod-template-hash"


class RolloutPhase(StrEnum):
    """Argo Rollouts' status.phase."""

    HEALTHY = "Healthy"
    PROGRESSING = "Progressing"
    PAUSED = "Paused"
    DEGRADED = "Degraded"


class Command(StrEnum):
    """What a person (or the promotion pipeline) asks of a rollout."""

    PROMOTE = "promote"  # end the current pause or step; go on to the next one
    PROMOTE_FULL = "promote-full"  # skip the remaining steps and analyses
    ABORT = "abort"  # traffic back to stable at once, the new version scaled down
    RETRY = "retry"  # after an abort: start the update again from the first step
    PAUSE = "pause"  # hold where it is (status only: never a change of the spec)
    RESUME = "resume"  # undo PAUSE


class AnalysisKind(StrEnum):
    STEP = "step"  # a canary step's `analysis`
    BACKGROUND = "background"  # canary `analysis`, alongside the steps
    PRE_PROMOTION = "prePromotion"  # blue/green
    POST_PROMOTION = "postPromotion"  # blue/green


class AnalysisPhase(StrEnum):
    """An analysis run's phase as Argo Rollouts reports it."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    ERROR = "Error"
    INCONCLUSIVE = "Inconclusive"

    @property
    def completed(self) -> bool:
        return self not in (AnalysisPhase.PENDING, AnalysisPhase.RUNNING)


@dataclass(frozen=True)
class ReplicaSetState:
    """One pod template's replicas as the target sees them."""

    hash: str
    replicas: int  # started (ready or not)
    ready: int  # ready and available (minReadySeconds counted)


@dataclass(frozen=True)
class AnalysisRequest:
    """An analysis run the engine wants running; the driver starts it once per `name`.

    `name` is stable for one (rollout, revision, kind, step), so a restarted driver finds the
    run it already started. `step` is the step index for STEP runs, else None.
    """

    name: str
    kind: AnalysisKind
    # Index into the strategy's analysis list: steps[step].analysis, canary.analysis,
    # blueGreen.prePromotionAnalysis or postPromotionAnalysis, by `kind`.
    step: int | None
    # Values for the templates' arguments the engine knows (the hashes); the rest come from
    # the Rollout's `args` as written.
    args: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AnalysisOutcome:
    """What a run reports: its phase, and for a failure the metric that decided it."""

    name: str
    phase: AnalysisPhase
    message: str = ""
    # The failing (or erroring, or inconclusive) metric and its last measured value.
    metric: str = ""
    value: str = ""


@dataclass(frozen=True)
class Observation:
    now: datetime
    # The hash of the Rollout's pod template as it is now (the target computes it).
    template_hash: str
    sets: Mapping[str, ReplicaSetState]
    analyses: Mapping[str, AnalysisOutcome]


@dataclass(frozen=True)
class HeaderRoute:
    """A managed route that sends matching requests (all matches must hold) to the canary."""

    name: str
    matches: tuple[RouteMatch, ...]


@dataclass(frozen=True)
class Traffic:
    """Where requests go. For canary: stable and canary hashes with the canary's weight (of
    100) and header routes; for blue/green: the active and preview hashes (canary fields
    unused). A None hash means no such side."""

    stable_hash: str | None = None
    canary_hash: str | None = None
    canary_weight: int = 0
    header_routes: tuple[HeaderRoute, ...] = ()
    active_hash: str | None = None
    preview_hash: str | None = None


@dataclass(frozen=True)
class Desired:
    # Replicas per pod-template hash; a hash the target runs that is not listed goes to 0.
    scale: Mapping[str, int]
    traffic: Traffic
    analyses: tuple[AnalysisRequest, ...] = ()


@dataclass(frozen=True)
class Event:
    """A notification: Argo Rollouts' event reasons (RolloutUpdated, RolloutStepCompleted,
    RolloutPaused, RolloutResumed, RolloutPromoted, RolloutAborted, RolloutCompleted,
    AnalysisRunFailed, ...)."""

    reason: str
    message: str
    warning: bool = False


@dataclass(frozen=True)
class PauseCondition:
    reason: str  # CanaryPauseStep | BlueGreenPause | UserPause | InconclusiveAnalysisRun
    start_time: datetime


@dataclass(frozen=True)
class Condition:
    """One of status.conditions as Argo Rollouts writes them (Progressing, Available, Paused,
    Healthy, Completed, InvalidSpec)."""

    type: str
    status: str  # "True" | "False" | "Unknown"
    reason: str
    message: str
    last_update: datetime
    last_transition: datetime


@dataclass(frozen=True)
class RolloutStatus:
    """What the engine keeps between decisions, written to the Rollout's status in Argo
    Rollouts' shape (`to_dict`/`from_dict` live with `decide`)."""

    phase: RolloutPhase = RolloutPhase.PROGRESSING
    message: str = ""
    current_pod_hash: str = ""
    stable_hash: str = ""
    current_step_index: int | None = None
    pause_conditions: tuple[PauseCondition, ...] = ()
    controller_pause: bool = False
    abort: bool = False
    aborted_at: datetime | None = None
    promote_full: bool = False
    # Blue/green: what the active and preview Services select.
    active_selector: str = ""
    preview_selector: str = ""
    # The traffic last set, so weights survive a restart exactly as they were.
    canary_weight: int = 0
    header_routes: tuple[HeaderRoute, ...] = ()
    # When each old hash may be scaled down (scaleDownDelaySeconds), by hash.
    scale_down_at: Mapping[str, datetime] = field(default_factory=dict)
    # Runs the engine asked for and has not yet finished with, by name, with their last outcome.
    analyses: Mapping[str, AnalysisOutcome] = field(default_factory=dict)
    replicas: int = 0
    updated_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    observed_generation: int = 0
    conditions: tuple[Condition, ...] = ()
    # When the update last moved (a step, a replica becoming ready); progressDeadlineSeconds
    # counts from here.
    progressed_at: datetime | None = None
    deadline_exceeded: bool = False
    # Why the spec cannot be run (a step Seaway does not support, an unmanaged route).
    invalid_spec: str = ""
    # Blue/green: the pre-promotion checks and pause are over; the new version is being made
    # active.
    promoting: bool = False
    # Recreate: when the last old replica was gone, when the first new one was ready, and the
    # downtime between them once the update is done.
    old_gone_at: datetime | None = None
    new_ready_at: datetime | None = None
    downtime_seconds: float | None = None


@dataclass(frozen=True)
class Decision:
    status: RolloutStatus
    desired: Desired
    events: tuple[Event, ...] = ()
    # Seconds until something time-bound is due (a pause ends, a scale-down delay expires,
    # autoPromotionSeconds passes); None when only a new observation can change anything.
    requeue_after: float | None = None
