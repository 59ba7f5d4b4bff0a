"""The gate into a stage, decided without I/O: may the release of the stage before move on
now, and if not, what holds it, in words a person can act on.

A hold either waits (health still Progressing, soak time left, approvals missing, a window
closed) or has failed (the stage before is Degraded, its rollout aborted or its analysis
failed): a failed check stops automated promotion of that release there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from seaway.model.pipeline import ApprovalPolicy, Promotion, Stage
from seaway.promote.release import Release

HEALTHY = "Healthy"
SYNCED = "Synced"
_FAILED_HEALTH = frozenset({"Degraded"})


class HoldKind(StrEnum):
    RELEASE = "release"
    HEALTH = "health"
    ANALYSIS = "analysis"
    SOAK = "soak"
    APPROVAL = "approval"
    WINDOW = "window"
    GATE = "gate"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Hold:
    kind: HoldKind
    message: str
    # When the hold ends by itself (soak over, window open), if it does.
    until: dt.datetime | None = None
    # A failed check, not a wait: automated promotion stops here for this release.
    failed: bool = False


@dataclass(frozen=True)
class RolloutState:
    name: str
    health: str
    message: str = ""
    aborted: bool = False


@dataclass(frozen=True)
class AppState:
    """One Application of a stage, as its status says."""

    name: str
    found: bool = True
    health: str = ""
    health_message: str = ""
    sync: str = ""
    revision: str = ""
    rollouts: tuple[RolloutState, ...] = ()


@dataclass(frozen=True)
class Approver:
    user: str
    roles: tuple[str, ...]
    at: dt.datetime


@dataclass(frozen=True)
class GateInput:
    target: Stage
    source: Stage
    # What the stage before runs (None: unreadable) and at which commit of its branch.
    release: Release | None
    revision: str
    # What the target runs now.
    current: Release | None
    apps: tuple[AppState, ...]
    healthy_since: dt.datetime | None
    now: dt.datetime
    approvals: tuple[Approver, ...] = ()
    # Holds found by the caller: sync windows of the target's apps, attestation gates.
    window: Hold | None = None
    gates: tuple[Hold, ...] = ()
    # Set when an earlier failed check stopped automated promotion of this release here.
    stopped: str = ""


@dataclass(frozen=True)
class GateVerdict:
    holds: tuple[Hold, ...] = field(default_factory=tuple)
    up_to_date: bool = False

    @property
    def ready(self) -> bool:
        return not self.holds and not self.up_to_date

    @property
    def failed(self) -> tuple[Hold, ...]:
        return tuple(h for h in self.holds if h.failed)


def _short(revision: str) -> str:
    return revision[:12]


def _at_release(app: AppState, revision: str) -> bool:
    return not revision or app.revision == revision


def health_holds(source: Stage, apps: Sequence[AppState], revision: str) -> list[Hold]:
    holds: list[Hold] = []
    for app in apps:
        if not app.found:
            holds.append(Hold(HoldKind.HEALTH, f"app {app.name} of stage {source.name} not found"))
            continue
        if not _at_release(app, revision):
            # Its health is that of an older revision: wait for the release to be deployed,
            # rather than judge the release by it.
            holds.append(
                Hold(
                    HoldKind.HEALTH,
                    f"app {app.name} runs {_short(app.revision) or 'nothing'}, not yet the "
                    f"release's revision {_short(revision)}",
                )
            )
            continue
        if app.health in _FAILED_HEALTH:
            why = f": {app.health_message}" if app.health_message else ""
            holds.append(Hold(HoldKind.HEALTH, f"app {app.name} is {app.health}{why}", failed=True))
        elif app.health != HEALTHY:
            holds.append(
                Hold(HoldKind.HEALTH, f"app {app.name} is {app.health or 'Unknown'}, not Healthy")
            )
        if app.sync != SYNCED:
            holds.append(Hold(HoldKind.HEALTH, f"app {app.name} is {app.sync or 'Unknown'}"))
    return holds


def analysis_holds(apps: Iterable[AppState], revision: str = "") -> list[Hold]:
    holds: list[Hold] = []
    for app in apps:
        if not _at_release(app, revision):
            continue
        for rollout in app.rollouts:
            why = f": {rollout.message}" if rollout.message else ""
            if rollout.aborted or rollout.health in _FAILED_HEALTH:
                state = "aborted" if rollout.aborted else rollout.health
                holds.append(
                    Hold(
                        HoldKind.ANALYSIS,
                        f"rollout {rollout.name} of app {app.name} is {state}{why}",
                        failed=True,
                    )
                )
            elif rollout.health != HEALTHY:
                holds.append(
                    Hold(
                        HoldKind.ANALYSIS,
                        f"rollout {rollout.name} of app {app.name} is {rollout.health}{why}",
                    )
                )
    return holds


def _duration(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s"]
    return "".join(p for p in parts if p and p != "0s") or "0s"


def soak_hold(gate: GateInput) -> Hold | None:
    needed = gate.target.soak_seconds()
    if needed <= 0:
        return None
    if gate.healthy_since is None:
        return Hold(
            HoldKind.SOAK,
            f"{gate.source.name} must run the release Healthy for {gate.target.soak} first",
        )
    end = gate.healthy_since + dt.timedelta(seconds=needed)
    if gate.now >= end:
        return None
    return Hold(
        HoldKind.SOAK,
        f"soak time: {gate.source.name} has run Healthy since "
        f"{gate.healthy_since:%Y-%m-%dT%H:%M:%SZ}; {_duration((end - gate.now).total_seconds())}"
        f" of {gate.target.soak} left",
        until=end,
    )


def counted(policy: ApprovalPolicy, approvals: Sequence[Approver]) -> list[Approver]:
    """The approvals that count: by someone holding one of the policy's roles, if it names any."""
    return [a for a in approvals if not policy.roles or set(a.roles) & set(policy.roles)]


def approval_hold(policy: ApprovalPolicy, approvals: Sequence[Approver]) -> Hold | None:
    counted_ = counted(policy, approvals)
    if len(counted_) >= policy.count:
        return None
    roles = f" holding {' or '.join(policy.roles)}" if policy.roles else ""
    have = ", ".join(a.user for a in counted_) or "none"
    ignored = [a.user for a in approvals if a not in counted_]
    note = f"; not counted (role missing): {', '.join(ignored)}" if ignored else ""
    missing = policy.count - len(counted_)
    return Hold(
        HoldKind.APPROVAL,
        f"needs {missing} more approval{'s' if missing > 1 else ''} "
        f"({policy.count} from people{roles}); approved by: {have}{note}",
    )


def approval_policy(target: Stage) -> ApprovalPolicy | None:
    """A manual stage needs at least one person's approval: the one who promotes."""
    if target.approvals is not None:
        return target.approvals
    return ApprovalPolicy() if target.promotion is Promotion.MANUAL else None


def judge(gate: GateInput) -> GateVerdict:
    """Everything that holds the release of `gate.source` back from `gate.target` now."""
    if gate.release is None:
        hold = Hold(HoldKind.RELEASE, f"stage {gate.source.name} has no readable release")
        return GateVerdict((hold,))
    if gate.current is not None and gate.current.key == gate.release.key:
        return GateVerdict((), up_to_date=True)
    holds: list[Hold] = []
    checks = gate.target.checks
    if checks.healthy:
        holds += health_holds(gate.source, gate.apps, gate.revision)
    if checks.analysis:
        holds += analysis_holds(gate.apps, gate.revision)
    if checks.healthy and not holds:
        soak = soak_hold(gate)
        if soak is not None:
            holds.append(soak)
    holds += gate.gates
    policy = approval_policy(gate.target)
    if policy is not None:
        approval = approval_hold(policy, gate.approvals)
        if approval is not None:
            holds.append(approval)
    if gate.window is not None:
        holds.append(gate.window)
    if gate.stopped:
        holds.append(Hold(HoldKind.STOPPED, gate.stopped, failed=True))
    return GateVerdict(tuple(holds))
