"""Argo's own kinds (group argoproj.io): Rollout, Application and Workflow.

Seaway reads them so that an environment repo that already uses Argo Rollouts, or an
app-of-apps tree of Argo CD Applications, gets the health Argo CD would show.
"""

from __future__ import annotations

from seaway.health import fields as f
from seaway.health.result import HealthResult, degraded, healthy, progressing, suspended, unknown
from seaway.model.status import HealthStatus


def _rollout_observed(obj: f.Obj) -> bool | None:
    """Whether the controller has seen the newest spec; None when status cannot tell."""
    raw = f.value(obj, "status", "observedGeneration")
    if raw is None:
        return False
    if isinstance(raw, bool):
        raise f.MalformedObjectError(["status", "observedGeneration"], "a generation", raw)
    if isinstance(raw, int):
        return raw == f.generation(obj)
    if isinstance(raw, str) and raw.isdigit():
        return int(raw) == f.generation(obj)
    # Rollouts before v0.10 wrote a hash of the spec here: not comparable to metadata.generation.
    return None


def rollout(obj: f.Obj) -> HealthResult:
    if _rollout_observed(obj) is False:
        return progressing("Waiting for rollout spec update to be observed")
    for condition in f.conditions(obj):
        if condition.type == "InvalidSpec":
            return degraded(condition.describe() or "Rollout spec is invalid")
        if condition.type == "Progressing" and condition.reason in (
            "RolloutAborted",
            "ProgressDeadlineExceeded",
        ):
            return degraded(condition.describe())
    if f.boolean(obj, "status", "abort"):
        return degraded(f.string(obj, "status", "message") or "Rollout is aborted")
    if f.count(obj, "status", "pauseConditions") > 0 or f.boolean(obj, "spec", "paused"):
        return suspended("Rollout is paused")
    # Rollouts v1.0 and later judge themselves and write the verdict into status.phase.
    phase = f.string(obj, "status", "phase")
    message = f.string(obj, "status", "message")
    match phase:
        case "Healthy":
            return healthy(message)
        case "Progressing":
            return progressing(message)
        case "Degraded":
            return degraded(message)
        case "Paused":
            return suspended(message or "Rollout is paused")
    return _legacy_rollout(obj)


def _legacy_rollout(obj: f.Obj) -> HealthResult:
    current = f.string(obj, "status", "currentPodHash")
    if not current:
        return progressing("Waiting for rollout to finish: status has not been reconciled")
    wanted = f.integer(obj, "spec", "replicas", default=1)
    total = f.integer(obj, "status", "replicas")
    updated = f.integer(obj, "status", "updatedReplicas")
    available = f.integer(obj, "status", "availableReplicas")
    if updated < wanted:
        return progressing("Waiting for rollout to finish: more replicas need to be updated")
    if available < updated:
        return progressing("Waiting for rollout to finish: updated replicas becoming available")
    stable = f.string(obj, "status", "stableRS") or f.string(obj, "status", "canary", "stableRS")
    if f.mapping(obj, "spec", "strategy", "blueGreen"):
        if f.string(obj, "status", "blueGreen", "activeSelector") != current:
            return progressing("Active service cutover pending")
        if stable and stable != current:
            return progressing("Waiting for analysis to complete")
    elif f.mapping(obj, "spec", "strategy", "canary"):
        if total > updated:
            return progressing("Waiting for rollout to finish: old replicas pending termination")
        if stable != current:
            return progressing("Waiting for rollout to finish its steps")
    return healthy()


def application(obj: f.Obj) -> HealthResult:
    """An Argo CD Application reports its own health in status.health: pass it through."""
    status = f.string(obj, "status", "health", "status")
    message = f.string(obj, "status", "health", "message")
    if not status:
        return progressing("Waiting for the Application to report its health")
    try:
        return HealthResult(HealthStatus(status), message)
    except ValueError:
        return unknown(f"Application reports health {status!r}")


def workflow(obj: f.Obj) -> HealthResult:
    phase = f.string(obj, "status", "phase")
    message = f.string(obj, "status", "message")
    if phase in ("", "Pending", "Running"):
        return progressing(message)
    if phase == "Succeeded":
        return healthy(message)
    if phase in ("Failed", "Error"):
        return degraded(message)
    return unknown(message or f"Workflow phase is {phase}")
