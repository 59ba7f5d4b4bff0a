"""A Rollout as its page shows it: the steps with the current one marked, the canary weight,
header routes, analysis results and the measurements the chart plots. Read from the Rollout's
status in Argo Rollouts' shape (plus Seaway's `status.seaway` section)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def _map(raw: object) -> Mapping[str, Any]:
    return raw if isinstance(raw, Mapping) else {}


def _list(raw: object) -> list[Any]:
    return raw if isinstance(raw, list) else []


@dataclass(frozen=True)
class StepView:
    index: int
    text: str
    state: str  # done, current, todo


def describe_step(step: Mapping[str, Any]) -> str:
    """One canary step in words, as `kubectl argo rollouts get` lists them."""
    if "setWeight" in step:
        return f"set weight {step['setWeight']}%"
    if "pause" in step:
        duration = _map(step["pause"]).get("duration")
        return f"pause {duration}" if duration else "pause (until promoted)"
    if "analysis" in step:
        names = [
            str(_map(t).get("templateName", ""))
            for t in _list(_map(step["analysis"]).get("templates"))
        ]
        return f"analysis {', '.join(names)}"
    if "setHeaderRoute" in step:
        return f"header route {_map(step['setHeaderRoute']).get('name', '')}"
    if "setCanaryScale" in step:
        return f"canary scale {json.dumps(step['setCanaryScale'], sort_keys=True)}"
    key = next(iter(step), "step")
    return f"{key}"


def steps(rollout: Mapping[str, Any]) -> list[StepView]:
    canary = _map(_map(_map(rollout.get("spec")).get("strategy")).get("canary"))
    current = _map(rollout.get("status")).get("currentStepIndex")
    at = current if isinstance(current, int) else -1
    found = []
    for index, step in enumerate(_list(canary.get("steps"))):
        state = "done" if index < at else "current" if index == at else "todo"
        found.append(StepView(index, describe_step(_map(step)), state))
    return found


def weight(status: Mapping[str, Any]) -> int:
    raw = _map(_map(_map(status.get("canary")).get("weights")).get("canary")).get("weight")
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else 0


def header_routes(status: Mapping[str, Any]) -> list[str]:
    routes = []
    for route in _list(_map(status.get("seaway")).get("headerRoutes")):
        body = _map(route)
        match = json.dumps(body.get("match", body.get("headers", "")), sort_keys=True)
        routes.append(f"{body.get('name', '')}: {match}")
    return routes


def analyses(status: Mapping[str, Any]) -> list[dict[str, str]]:
    found = []
    for name, outcome in sorted(_map(_map(status.get("seaway")).get("analyses")).items()):
        body = _map(outcome)
        # The driver writes the outcome's phase as `status`, as Argo Rollouts' run summaries do.
        found.append(
            {
                "name": str(name),
                "phase": str(body.get("status") or body.get("phase") or ""),
                "message": str(body.get("message", "")),
                "metric": str(body.get("metric", "")),
                "value": str(body.get("value", "")),
            }
        )
    return found


def measurements(status: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every numeric measurement of the analysis runs kept in the status, oldest first."""
    found = []
    runs = _map(_map(status.get("seaway")).get("analysisRuns"))
    for run, state in runs.items():
        for metric in _list(_map(state).get("metricResults")):
            for m in _list(_map(metric).get("measurements")):
                try:
                    value = float(_map(m).get("value", ""))
                except ValueError:
                    continue
                found.append(
                    {
                        "run": str(run),
                        "metric": str(_map(metric).get("name", "")),
                        "at": str(_map(m).get("finishedAt", "")),
                        "value": value,
                        "phase": str(_map(m).get("phase", "")),
                    }
                )
    return sorted(found, key=lambda m: str(m["at"]))


def snapshot(rollout: Mapping[str, Any], now: str) -> dict[str, Any]:
    """What the page's chart polls: one sample of the weight, and the measurements so far."""
    status = _map(rollout.get("status"))
    step = status.get("currentStepIndex")
    return {
        "at": now,
        "phase": str(status.get("phase", "")),
        "message": str(status.get("message", "")),
        "step": step if isinstance(step, int) else None,
        "weight": weight(status),
        "analyses": analyses(status),
        "measurements": measurements(status),
    }
