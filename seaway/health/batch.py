"""Job and CronJob."""

from __future__ import annotations

from datetime import UTC, datetime

from seaway.health import fields as f
from seaway.health.result import HealthResult, degraded, healthy, progressing, suspended


def job(obj: f.Obj) -> HealthResult:
    by_type = {c.type: c for c in f.conditions(obj) if c.true}
    # Argo CD reads a condition's presence, not its status; a resumed Job keeps a Suspended
    # condition with status False, so only True conditions count here.
    if "Failed" in by_type:
        return degraded(by_type["Failed"].describe() or "Job failed")
    # Since Kubernetes 1.31 the controller decides failure first and says so before the last pods
    # have stopped; the Job will not recover from here.
    if "FailureTarget" in by_type:
        return degraded(by_type["FailureTarget"].describe() or "Job is failing")
    if "Complete" in by_type:
        return healthy(by_type["Complete"].message)
    if "Suspended" in by_type or f.boolean(obj, "spec", "suspend"):
        found = by_type.get("Suspended")
        return suspended((found.message if found else "") or "Job is suspended")
    active = f.integer(obj, "status", "active")
    return progressing(f"{active} pods running" if active else "Waiting for the Job to complete")


def _time(obj: f.Obj, *path: str) -> datetime | None:
    raw = f.string(obj, *path)
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise f.MalformedObjectError(path, "an RFC 3339 time", raw) from None
    # The server always writes UTC with a Z; a hand-written time without a zone means the same.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def cron_job(obj: f.Obj) -> HealthResult:
    if f.boolean(obj, "spec", "suspend"):
        return suspended("CronJob is suspended")
    if "status" not in obj:
        return progressing("Waiting for the CronJob controller")
    scheduled = _time(obj, "status", "lastScheduleTime")
    if scheduled is None:
        # The status cannot tell a CronJob whose time has not come from one that is never
        # scheduled, so, like Argo CD, give it the benefit of the doubt.
        return healthy("CronJob has not been scheduled yet")
    succeeded = _time(obj, "status", "lastSuccessfulTime")
    if succeeded is None:
        return healthy("CronJob has not completed a run yet")
    if f.count(obj, "status", "active") > 0:
        return healthy("A run is in progress")
    if succeeded < scheduled:
        return degraded("CronJob's last run did not complete successfully")
    return healthy("CronJob's last run completed successfully")
