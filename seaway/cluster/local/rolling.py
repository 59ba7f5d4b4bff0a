"""Pure: how a Deployment's replicas move from one template to the next on the local backend,
with Kubernetes' strategies (RollingUpdate with maxSurge and maxUnavailable, or Recreate), and
the Deployment status Kubernetes would report for them."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_PROGRESS_DEADLINE = 600.0


@dataclass(frozen=True)
class Pod:
    name: str
    template_hash: str
    ready: bool


@dataclass(frozen=True)
class Step:
    start: int
    stop: tuple[str, ...]


def template_hash(template: Mapping[str, Any]) -> str:
    text = json.dumps(template, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _scaled(value: Any, desired: int, round_up: bool, default: str) -> int:
    raw = default if value is None else value
    if isinstance(raw, str) and raw.endswith("%"):
        fraction = float(raw[:-1]) / 100 * desired
        return math.ceil(fraction) if round_up else math.floor(fraction)
    return int(raw)


def limits(spec: Mapping[str, Any], desired: int) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) as numbers, with Kubernetes' defaults of 25 %."""
    rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
    surge = _scaled(rolling.get("maxSurge"), desired, round_up=True, default="25%")
    unavailable = _scaled(rolling.get("maxUnavailable"), desired, round_up=False, default="25%")
    if surge == 0 and unavailable == 0:
        # The API server refuses both at zero; rather than stall, allow one at a time.
        unavailable = 1
    return surge, unavailable


def plan_step(spec: Mapping[str, Any], new_hash: str, pods: Sequence[Pod]) -> Step:
    desired = int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
    new = [p for p in pods if p.template_hash == new_hash]
    old = [p for p in pods if p.template_hash != new_hash]
    strategy = (spec.get("strategy") or {}).get("type", "RollingUpdate")
    unready_first = sorted(new, key=lambda p: (p.ready, p.name), reverse=False)
    extra_new = tuple(p.name for p in unready_first[: max(0, len(new) - desired)])
    if strategy == "Recreate":
        if old:
            return Step(0, tuple(p.name for p in old))
        return Step(max(0, desired - len(new)), extra_new)

    surge, unavailable = limits(spec, desired)
    start = max(0, min(desired + surge - len(pods), desired - len(new)))
    stop = list(extra_new)
    # Old replicas that are not Ready serve nobody: they go at once.
    stop += [p.name for p in old if not p.ready]
    min_available = desired - unavailable
    ready_total = sum(1 for p in pods if p.ready and p.name not in extra_new)
    spare = ready_total - min_available
    for pod in sorted((p for p in old if p.ready), key=lambda p: p.name):
        if spare <= 0:
            break
        stop.append(pod.name)
        spare -= 1
    return Step(start, tuple(stop))


def deployment_status(
    obj: Mapping[str, Any],
    pods: Sequence[Pod],
    *,
    new_hash: str,
    progressing_for: float,
    previous: Mapping[str, Any] | None,
    now: str,
) -> dict[str, Any]:
    """The status Kubernetes' deployment controller would write. `progressing_for` is how long
    the current rollout has been going without finishing (for progressDeadlineSeconds)."""
    spec = obj.get("spec") or {}
    desired = int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
    _, unavailable = limits(spec, desired)
    ready = sum(1 for p in pods if p.ready)
    updated = sum(1 for p in pods if p.template_hash == new_hash)
    updated_ready = sum(1 for p in pods if p.ready and p.template_hash == new_hash)
    complete = updated == desired and len(pods) == desired and updated_ready == desired
    deadline = float(spec.get("progressDeadlineSeconds") or DEFAULT_PROGRESS_DEADLINE)
    available = ready >= desired - unavailable
    if complete:
        progressing = ("True", "NewReplicaSetAvailable", "the new replicas are available")
    elif progressing_for > deadline:
        progressing = (
            "False",
            "ProgressDeadlineExceeded",
            f"the rollout has not finished in {deadline:g} s",
        )
    else:
        progressing = ("True", "ReplicaSetUpdated", f"{updated_ready} of {desired} updated")
    old_conditions = {c.get("type"): c for c in (previous or {}).get("conditions") or []}
    conditions = []
    availability = (
        ("True", "MinimumReplicasAvailable", f"{ready} ready")
        if available
        else ("False", "MinimumReplicasUnavailable", f"{ready} ready")
    )
    for kind, (status, reason, message) in (
        ("Available", availability),
        ("Progressing", progressing),
    ):
        old = old_conditions.get(kind) or {}
        conditions.append(
            {
                "type": kind,
                "status": status,
                "reason": reason,
                "message": message,
                "lastTransitionTime": old.get("lastTransitionTime")
                if old.get("status") == status and old.get("lastTransitionTime")
                else now,
            }
        )
    return {
        "observedGeneration": int((obj.get("metadata") or {}).get("generation", 1)),
        "replicas": len(pods),
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "unavailableReplicas": max(0, desired - ready),
        "conditions": conditions,
    }
