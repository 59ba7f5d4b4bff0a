"""Kinds Seaway has no check for: read the conventions most controllers follow (kstatus).

kstatus (sigs.k8s.io/cli-utils) says what a well-behaved status looks like: observedGeneration
that catches up with metadata.generation, and Ready, Reconciling and Stalled conditions. When an
object says nothing in those terms it has no health, and `assess` returns None for it, as Argo CD
does for kinds without a health check, so that a ConfigMap or a Role never colours an app.
"""

from __future__ import annotations

from seaway.health import fields as f
from seaway.health.result import HealthResult, degraded, healthy, progressing, suspended
from seaway.model.status import HealthStatus

# Phase words controllers commonly write, by the health they mean.
_PHASES: dict[str, HealthStatus] = {
    word: status
    for status, words in (
        (
            HealthStatus.HEALTHY,
            "Active Available Bound Complete Completed Deployed Established Healthy Ready"
            " Running Succeeded Success",
        ),
        (
            HealthStatus.PROGRESSING,
            "Creating Deleting Deploying InProgress Initializing Installing Pending Progressing"
            " Provisioning Reconciling Starting Terminating Updating Upgrading Waiting",
        ),
        (HealthStatus.DEGRADED, "Degraded Error Failed Failure Lost Unhealthy"),
        (HealthStatus.SUSPENDED, "Paused Stopped Suspended"),
    )
    for word in words.split()
}


def _by_phase(phase: str, message: str) -> HealthResult | None:
    status = _PHASES.get(phase)
    if status is None:
        # A word we do not know says nothing we can rank; guessing Unknown would outrank
        # Degraded in the app's health for no reason the user could act on.
        return None
    if status is HealthStatus.HEALTHY:
        return HealthResult(status, message)
    return HealthResult(status, message or f"Phase is {phase}")


def generic(obj: f.Obj) -> HealthResult | None:
    # Not kstatus, but the spelling Flux, Jobs and CronJobs share; compared with `is True`
    # because a kind we do not know may use these names for something that is not a switch.
    for switch in ("suspend", "paused"):
        if f.value(obj, "spec", switch) is True:
            return suspended(f"{f.string(obj, 'kind') or 'Object'} is suspended")
    if not f.mapping(obj, "status"):
        return None
    stalled = f.condition(obj, "Stalled")
    if stalled is not None and stalled.true:
        return degraded(stalled.describe() or "Stalled")
    generation = f.generation(obj)
    has_observed = f.value(obj, "status", "observedGeneration") is not None
    if has_observed and f.observed_generation(obj) < generation:
        return progressing("Waiting for the controller to see the newest spec")
    reconciling = f.condition(obj, "Reconciling")
    if reconciling is not None and reconciling.true:
        return progressing(reconciling.describe() or "Reconciling")
    verdict = f.condition(obj, "Ready") or f.condition(obj, "Available")
    if verdict is not None:
        stale = verdict.observed_generation is not None and verdict.observed_generation < generation
        if stale or verdict.status not in ("True", "False"):
            return progressing(verdict.describe() or f"Waiting for {verdict.type}")
        if verdict.true:
            return healthy(verdict.message)
        # kstatus calls Ready=False "in progress" and waits for Stalled; many controllers never
        # set Stalled, so a False verdict on the newest spec with no reconcile running is
        # reported as Degraded, as Argo CD's checks for Flux and cert-manager kinds do.
        return degraded(verdict.describe() or f"{verdict.type} is False")
    phase = f.string(obj, "status", "phase")
    if phase:
        return _by_phase(phase, f.string(obj, "status", "message"))
    return None
