"""A rollout's analysis runs: their spec from the Rollout and its templates, their state saved
in the Rollout's status (so a restarted driver resumes them), and their outcome for the engine."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from seaway.model.analysis import AnalysisRunSpec, AnalysisTemplate, Argument, run_spec
from seaway.model.rollout import Rollout, RolloutAnalysis
from seaway.rollout.analysis.conditions import Phase
from seaway.rollout.analysis.runner import Measurement, MetricResult, RunState
from seaway.rollout.engine.types import (
    AnalysisKind,
    AnalysisOutcome,
    AnalysisPhase,
    AnalysisRequest,
)

# The status key under which Seaway keeps what Argo Rollouts keeps in AnalysisRun objects.
STATUS_KEY = "seaway"
RUNS_KEY = "analysisRuns"

# (namespace, name, cluster_scope) -> the template object, or None when it does not exist.
TemplateLookup = Callable[[str, str, bool], Awaitable[dict[str, Any] | None]]


class RunSpecError(ValueError):
    """The run cannot be made: a template is missing or invalid; the message names it."""


def analysis_of(rollout: Rollout, request: AnalysisRequest) -> RolloutAnalysis | None:
    """The Rollout's analysis block a request names."""
    strategy = rollout.spec.strategy
    if strategy is None:
        return None
    canary, blue_green = strategy.canary, strategy.blue_green
    if request.kind is AnalysisKind.STEP and canary is not None and request.step is not None:
        if 0 <= request.step < len(canary.steps):
            return canary.steps[request.step].analysis
        return None
    if request.kind is AnalysisKind.BACKGROUND and canary is not None:
        return canary.analysis
    if blue_green is None:
        return None
    if request.kind is AnalysisKind.PRE_PROMOTION:
        return blue_green.pre_promotion_analysis
    if request.kind is AnalysisKind.POST_PROMOTION:
        return blue_green.post_promotion_analysis
    return None


async def build_spec(
    rollout: Rollout, request: AnalysisRequest, lookup: TemplateLookup
) -> AnalysisRunSpec:
    analysis = analysis_of(rollout, request)
    where = f"Rollout {rollout.namespace}/{rollout.metadata.name}"
    if analysis is None:
        raise RunSpecError(f"{where}: no analysis for {request.kind} step {request.step}")
    specs = []
    for ref in analysis.templates:
        kind = "ClusterAnalysisTemplate" if ref.cluster_scope else "AnalysisTemplate"
        found = await lookup(rollout.namespace, ref.template_name, ref.cluster_scope)
        if found is None:
            raise RunSpecError(f"{where}: {kind} {ref.template_name!r} not found")
        try:
            specs.append(
                AnalysisTemplate.model_validate({**found, "kind": "AnalysisTemplate"}).spec
            )
        except ValidationError as error:
            raise RunSpecError(
                f"{where}: {kind} {ref.template_name!r} is invalid: {error}"
            ) from None
    try:
        spec = run_spec(specs, analysis.args)
    except ValueError as error:
        raise RunSpecError(f"{where}: {error}") from None
    return spec.model_copy(update={"dry_run": [*spec.dry_run, *analysis.dry_run]})


def resolve_args(
    args: list[Argument], rollout: Mapping[str, Any], given: Mapping[str, str]
) -> dict[str, str]:
    """Values for the arguments the controller resolves (valueFrom fieldRef on the Rollout), over
    which the engine's own values (`given`, e.g. the hashes) take precedence."""
    values: dict[str, str] = {}
    for arg in args:
        ref = arg.value_from.field_ref if arg.value_from is not None else None
        if ref is not None:
            found = field_value(rollout, ref.field_path)
            if found is not None:
                values[arg.name] = found
    return {**values, **given}


_PATH = re.compile(
    r"^(metadata)\.(name|namespace|uid)$|^metadata\.(labels|annotations)\['([^']+)'\]$"
)


def field_value(obj: Mapping[str, Any], path: str) -> str | None:
    """A fieldRef's value: metadata.name, .namespace, .uid, .labels['k'], .annotations['k']."""
    match = _PATH.match(path)
    meta = obj.get("metadata") or {}
    if match is None:
        return None
    if match.group(2):
        value = meta.get(match.group(2))
        return None if value is None else str(value)
    value = (meta.get(match.group(3)) or {}).get(match.group(4))
    return None if value is None else str(value)


def outcome(name: str, state: RunState) -> AnalysisOutcome:
    """What the engine needs of a run: its phase, and the metric that decided a bad end."""
    metric, value = "", ""
    for result in state.results:
        if result.dry_run or result.phase not in (
            Phase.FAILED,
            Phase.ERROR,
            Phase.INCONCLUSIVE,
        ):
            continue
        metric = result.name
        value = result.measurements[-1].value if result.measurements else ""
        break
    return AnalysisOutcome(name, AnalysisPhase(state.phase.value), state.message, metric, value)


def error_outcome(name: str, message: str) -> AnalysisOutcome:
    return AnalysisOutcome(name, AnalysisPhase.ERROR, message)


# -- saving a run's state in the Rollout's status ------------------------------------------------


def _time(value: datetime) -> str:
    return value.isoformat()


def state_to_dict(state: RunState) -> dict[str, Any]:
    return {
        "startedAt": _time(state.started_at),
        "phase": state.phase.value,
        "message": state.message,
        "terminate": state.terminate,
        "metricResults": [
            {
                "name": r.name,
                "phase": r.phase.value,
                "count": r.count,
                "successful": r.successful,
                "failed": r.failed,
                "inconclusive": r.inconclusive,
                "error": r.error,
                "consecutiveError": r.consecutive_error,
                "message": r.message,
                "dryRun": r.dry_run,
                "measurements": [
                    {
                        "phase": m.phase.value,
                        "startedAt": _time(m.started_at),
                        "finishedAt": _time(m.finished_at),
                        "value": m.value,
                        "message": m.message,
                    }
                    for m in r.measurements
                ],
            }
            for r in state.results
        ],
    }


def state_from_dict(body: Mapping[str, Any]) -> RunState:
    """A saved run state; ValueError or KeyError when it is not one."""
    results = tuple(
        MetricResult(
            name=str(r["name"]),
            phase=Phase(r["phase"]),
            measurements=tuple(
                Measurement(
                    Phase(m["phase"]),
                    datetime.fromisoformat(m["startedAt"]),
                    datetime.fromisoformat(m["finishedAt"]),
                    str(m.get("value", "")),
                    str(m.get("message", "")),
                )
                for m in r.get("measurements") or []
            ),
            count=int(r.get("count", 0)),
            successful=int(r.get("successful", 0)),
            failed=int(r.get("failed", 0)),
            inconclusive=int(r.get("inconclusive", 0)),
            error=int(r.get("error", 0)),
            consecutive_error=int(r.get("consecutiveError", 0)),
            message=str(r.get("message", "")),
            dry_run=bool(r.get("dryRun", False)),
        )
        for r in body.get("metricResults") or []
    )
    return RunState(
        started_at=datetime.fromisoformat(body["startedAt"]),
        results=results,
        phase=Phase(body.get("phase", "Running")),
        message=str(body.get("message", "")),
        terminate=bool(body.get("terminate", False)),
    )


def saved_states(status: Mapping[str, Any] | None) -> dict[str, RunState]:
    """The run states a status keeps, by run name; an unreadable one is left out (the run
    starts again)."""
    saved = ((status or {}).get(STATUS_KEY) or {}).get(RUNS_KEY) or {}
    states = {}
    for name, body in saved.items():
        try:
            states[str(name)] = state_from_dict(body)
        except (KeyError, TypeError, ValueError):
            continue
    return states
