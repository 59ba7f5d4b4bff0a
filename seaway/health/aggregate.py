"""Rolling many resources' health up into one: an application's health."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from seaway.health import fields as f
from seaway.health.assess import assess, has_health_check
from seaway.health.result import HealthResult, missing
from seaway.model.status import HealthStatus

# Best first. Argo CD ranks Degraded above Missing since 2.1 so that an app whose prod copy is
# partly unsynced still shows when what does run breaks; Unknown ranks worst of all because
# nothing can be promised about it.
ORDER: tuple[HealthStatus, ...] = (
    HealthStatus.HEALTHY,
    HealthStatus.SUSPENDED,
    HealthStatus.PROGRESSING,
    HealthStatus.MISSING,
    HealthStatus.DEGRADED,
    HealthStatus.UNKNOWN,
)
_RANK = {status: rank for rank, status in enumerate(ORDER)}


def worst(statuses: Iterable[HealthStatus]) -> HealthStatus:
    """The least healthy of `statuses`; Healthy when there are none, as for an empty app."""
    return max(statuses, key=_RANK.__getitem__, default=HealthStatus.HEALTHY)


def _label(obj: f.Obj) -> str:
    try:
        kind = f.string(obj, "kind") or "Object"
        namespace = f.string(obj, "metadata", "namespace")
        name = f.name(obj)
    except f.MalformedObjectError:
        # `assess` has already said what is wrong with it; the label only points at it.
        return "Malformed object"
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def _counted(live: f.Obj, result: HealthResult) -> HealthStatus | None:
    """The status `result` adds to its app, or None when it adds nothing."""
    api_version, kind = live.get("apiVersion"), live.get("kind")
    key = (f.group_of(api_version if isinstance(api_version, str) else ""), kind)
    if key == ("argoproj.io", "Application") and result.status in (
        HealthStatus.MISSING,
        HealthStatus.UNKNOWN,
    ):
        # A child app that has not been created or judged yet says nothing about its parent.
        return None
    if key == ("batch", "Job") and result.status is HealthStatus.SUSPENDED:
        # A Job kept suspended on purpose (created to be run later by hand) is not a problem.
        return HealthStatus.HEALTHY
    return result.status


def aggregate(
    resources: Iterable[tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]],
) -> HealthResult:
    """The health of an application from its resources, as (desired, live) pairs.

    Follows Argo CD: kinds without health are left out; a resource that does not exist counts
    as Missing only when its kind has a check of its own; an app whose resources all do not
    exist is Missing; an app with nothing to judge is Healthy. The message names the first
    resource that made the app as bad as it is.
    """
    worst_status = HealthStatus.HEALTHY
    culprits: list[str] = []
    total = 0
    existing = 0
    for desired, live in resources:
        ref = live if live is not None else desired
        if ref is None:
            continue
        total += 1
        if live is None:
            api_version, kind = ref.get("apiVersion"), ref.get("kind")
            if not (
                isinstance(api_version, str)
                and isinstance(kind, str)
                and has_health_check(api_version, kind)
            ):
                continue
            result = missing()
            status: HealthStatus | None = result.status
        else:
            existing += 1
            judged = assess(live)
            if judged is None:
                continue
            result = judged
            status = _counted(live, result)
        if status is None or status is HealthStatus.HEALTHY:
            continue
        line = f"{_label(ref)}: {result.message}" if result.message else _label(ref)
        if _RANK[status] > _RANK[worst_status]:
            worst_status = status
            culprits = [line]
        elif status is worst_status:
            culprits.append(line)
    if total and not existing:
        return HealthResult(HealthStatus.MISSING, f"None of the {total} resources exists")
    if not culprits:
        return HealthResult(worst_status)
    more = f" (and {len(culprits) - 1} more)" if len(culprits) > 1 else ""
    return HealthResult(worst_status, culprits[0] + more)
