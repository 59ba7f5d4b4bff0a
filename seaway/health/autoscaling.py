"""HorizontalPodAutoscaler: can it read its metrics and scale its target?"""

from __future__ import annotations

import json

from seaway.health import fields as f
from seaway.health.result import HealthResult, degraded, healthy, progressing

# autoscaling/v1 has no status.conditions; the server keeps v2's conditions in this annotation.
V1_CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"


def _conditions(obj: f.Obj) -> list[f.Condition]:
    if f.string(obj, "apiVersion") != "autoscaling/v1":
        return f.conditions(obj)
    raw = f.annotation(obj, V1_CONDITIONS)
    if raw is None:
        return []
    try:
        decoded = json.loads(raw)
    except ValueError:
        raise f.MalformedObjectError(
            ["metadata", "annotations", V1_CONDITIONS], "a JSON list of conditions", raw
        ) from None
    return f.conditions({"conditions": decoded}, "conditions")


def _failing(condition: f.Condition) -> bool:
    # FailedGetScale, FailedUpdateScale, FailedGet*Metric, InvalidSelector, ...; ScalingDisabled
    # (target scaled to zero by hand) and DesiredWithinRange are not failures.
    return condition.false and condition.reason.startswith(("Failed", "Invalid"))


def horizontal_pod_autoscaler(obj: f.Obj) -> HealthResult:
    conditions = _conditions(obj)
    # Argo CD takes the first condition that decides; AbleToScale comes first and would hide a
    # ScalingActive failure behind it, so failures are looked for in all of them first.
    for condition in conditions:
        if _failing(condition):
            return degraded(condition.describe())
    for condition in conditions:
        if condition.type in ("AbleToScale", "ScalingLimited") and condition.true:
            return healthy(condition.message)
    return progressing("Waiting to autoscale")
