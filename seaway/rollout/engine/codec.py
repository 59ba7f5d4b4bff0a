"""The engine's status to and from a Rollout's status, in Argo Rollouts' shape.

What Argo Rollouts has a field for goes where it puts it, so `kubectl argo rollouts`, Argo CD
and Seaway's health read it as they read Argo's own; what only Seaway needs goes under
`status.seaway`. Reading is forgiving: a field that is missing or of the wrong type reads as a
fresh status's value, so a garbled status restarts the engine from what it observes rather than
stopping it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from seaway.model.rollout import RouteMatch
from seaway.rollout.engine.naming import analysis_slot
from seaway.rollout.engine.types import (
    AnalysisKind,
    AnalysisOutcome,
    AnalysisPhase,
    Condition,
    HeaderRoute,
    PauseCondition,
    RolloutPhase,
    RolloutStatus,
)

SEAWAY_KEY = "seaway"

_ARGO_RUN_KEYS = {
    AnalysisKind.STEP: ("canary", "currentStepAnalysisRunStatus"),
    AnalysisKind.BACKGROUND: ("canary", "currentBackgroundAnalysisRunStatus"),
    AnalysisKind.PRE_PROMOTION: ("blueGreen", "prePromotionAnalysisRunStatus"),
    AnalysisKind.POST_PROMOTION: ("blueGreen", "postPromotionAnalysisRunStatus"),
}


# -- times ---------------------------------------------------------------------------------------


def format_time(when: datetime) -> str:
    """RFC 3339 in UTC with a Z, to the second as Kubernetes writes times, or to the microsecond
    when the time has one (so a status reads back exactly as it was)."""
    utc = when.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


def parse_time(raw: object) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# -- writing ------------------------------------------------------------------------------------


def _route_to_dict(route: HeaderRoute) -> dict[str, Any]:
    return {
        "name": route.name,
        "match": [m.model_dump(by_alias=True, exclude_defaults=True) for m in route.matches],
    }


def _outcome_to_dict(outcome: AnalysisOutcome) -> dict[str, Any]:
    body: dict[str, Any] = {"status": outcome.phase.value}
    for key, value in (
        ("message", outcome.message),
        ("metric", outcome.metric),
        ("value", outcome.value),
    ):
        if value:
            body[key] = value
    return body


def _condition_to_dict(condition: Condition) -> dict[str, Any]:
    return {
        "type": condition.type,
        "status": condition.status,
        "reason": condition.reason,
        "message": condition.message,
        "lastUpdateTime": format_time(condition.last_update),
        "lastTransitionTime": format_time(condition.last_transition),
    }


def _argo_run_statuses(status: RolloutStatus, body: dict[str, Any]) -> None:
    """Argo Rollouts' summary of the latest run of each kind, for its CLI and UI."""
    for name, outcome in status.analyses.items():
        slot = analysis_slot(name)
        if slot is None:
            continue
        section, key = _ARGO_RUN_KEYS[slot]
        run: dict[str, Any] = {"name": name, "status": outcome.phase.value}
        if outcome.message:
            run["message"] = outcome.message
        body.setdefault(section, {})[key] = run


def _seaway_section(status: RolloutStatus) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if status.scale_down_at:
        extra["scaleDownAt"] = {h: format_time(t) for h, t in status.scale_down_at.items()}
    if status.header_routes:
        extra["headerRoutes"] = [_route_to_dict(r) for r in status.header_routes]
    if status.analyses:
        extra["analyses"] = {n: _outcome_to_dict(o) for n, o in status.analyses.items()}
    if status.canary_weight:
        extra["canaryWeight"] = status.canary_weight
    if status.progressed_at is not None:
        extra["progressedAt"] = format_time(status.progressed_at)
    if status.deadline_exceeded:
        extra["deadlineExceeded"] = True
    if status.invalid_spec:
        extra["invalidSpec"] = status.invalid_spec
    if status.promoting:
        extra["promoting"] = True
    recreate: dict[str, Any] = {}
    if status.old_gone_at is not None:
        recreate["oldGoneAt"] = format_time(status.old_gone_at)
    if status.new_ready_at is not None:
        recreate["newReadyAt"] = format_time(status.new_ready_at)
    if status.downtime_seconds is not None:
        recreate["downtimeSeconds"] = status.downtime_seconds
    if recreate:
        extra["recreate"] = recreate
    return extra


def status_to_dict(status: RolloutStatus) -> dict[str, Any]:
    """The status in Argo Rollouts' shape, with Seaway's own fields under `seaway`."""
    body: dict[str, Any] = {
        "phase": status.phase.value,
        "message": status.message,
        "currentPodHash": status.current_pod_hash,
        "stableRS": status.stable_hash,
        "pauseConditions": [
            {"reason": p.reason, "startTime": format_time(p.start_time)}
            for p in status.pause_conditions
        ],
        "controllerPause": status.controller_pause,
        "abort": status.abort,
        "promoteFull": status.promote_full,
        "replicas": status.replicas,
        "updatedReplicas": status.updated_replicas,
        "readyReplicas": status.ready_replicas,
        "availableReplicas": status.available_replicas,
        "observedGeneration": status.observed_generation,
        "conditions": [_condition_to_dict(c) for c in status.conditions],
    }
    if status.current_step_index is not None:
        body["currentStepIndex"] = status.current_step_index
    if status.aborted_at is not None:
        body["abortedAt"] = format_time(status.aborted_at)
    if status.active_selector or status.preview_selector:
        body["blueGreen"] = {
            "activeSelector": status.active_selector,
            "previewSelector": status.preview_selector,
        }
    elif status.stable_hash:
        body["canary"] = {
            "weights": {
                "canary": {
                    "weight": status.canary_weight,
                    "podTemplateHash": status.current_pod_hash,
                },
                "stable": {
                    "weight": 100 - status.canary_weight,
                    "podTemplateHash": status.stable_hash,
                },
            }
        }
    _argo_run_statuses(status, body)
    body[SEAWAY_KEY] = _seaway_section(status)
    return body


# -- reading ------------------------------------------------------------------------------------


def _map(raw: object) -> Mapping[str, Any]:
    return raw if isinstance(raw, Mapping) else {}


def _list(raw: object) -> list[Any]:
    return raw if isinstance(raw, list) else []


def _str(raw: object) -> str:
    return raw if isinstance(raw, str) else ""


def _int(raw: object, default: int = 0) -> int:
    if isinstance(raw, bool):
        return default
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    return default


def _bool(raw: object) -> bool:
    return raw is True


def _phase(raw: object) -> RolloutPhase:
    try:
        return RolloutPhase(_str(raw))
    except ValueError:
        return RolloutPhase.PROGRESSING


def _pause_conditions(raw: object) -> tuple[PauseCondition, ...]:
    found = []
    for item in _list(raw):
        reason = _str(_map(item).get("reason"))
        start = parse_time(_map(item).get("startTime"))
        if reason and start is not None:
            found.append(PauseCondition(reason, start))
    return tuple(found)


def _conditions(raw: object) -> tuple[Condition, ...]:
    found = []
    for item in _list(raw):
        body = _map(item)
        updated = parse_time(body.get("lastUpdateTime"))
        changed = parse_time(body.get("lastTransitionTime"))
        if not _str(body.get("type")) or updated is None or changed is None:
            continue
        found.append(
            Condition(
                _str(body.get("type")),
                _str(body.get("status")),
                _str(body.get("reason")),
                _str(body.get("message")),
                updated,
                changed,
            )
        )
    return tuple(found)


def _routes(raw: object) -> tuple[HeaderRoute, ...]:
    routes = []
    for item in _list(raw):
        body = _map(item)
        name = _str(body.get("name"))
        try:
            matches = tuple(RouteMatch.model_validate(m) for m in _list(body.get("match")))
        except ValidationError:
            continue
        if name:
            routes.append(HeaderRoute(name, matches))
    return tuple(routes)


def _analyses(raw: object) -> dict[str, AnalysisOutcome]:
    found = {}
    for name, item in _map(raw).items():
        body = _map(item)
        try:
            phase = AnalysisPhase(_str(body.get("status")))
        except ValueError:
            continue
        found[str(name)] = AnalysisOutcome(
            str(name),
            phase,
            _str(body.get("message")),
            _str(body.get("metric")),
            _str(body.get("value")),
        )
    return found


def _scale_down_at(raw: object) -> dict[str, datetime]:
    found = {}
    for key, value in _map(raw).items():
        when = parse_time(value)
        if when is not None:
            found[str(key)] = when
    return found


def _weight(body: Mapping[str, Any], extra: Mapping[str, Any]) -> int:
    weights = _map(_map(body.get("canary")).get("weights"))
    if weights:
        return _int(_map(weights.get("canary")).get("weight"))
    return _int(extra.get("canaryWeight"))


def _downtime(raw: object) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    return float(raw)


def _step_index(raw: object) -> int | None:
    index = _int(raw, -1)
    return None if index < 0 else index


def status_from_dict(obj_status: Mapping[str, Any] | None) -> RolloutStatus:
    """The engine's status from a Rollout's status; a fresh status when there is none."""
    body = _map(obj_status)
    extra = _map(body.get(SEAWAY_KEY))
    blue_green = _map(body.get("blueGreen"))
    recreate = _map(extra.get("recreate"))
    return RolloutStatus(
        phase=_phase(body.get("phase")),
        message=_str(body.get("message")),
        current_pod_hash=_str(body.get("currentPodHash")),
        stable_hash=_str(body.get("stableRS")),
        current_step_index=_step_index(body.get("currentStepIndex")),
        pause_conditions=_pause_conditions(body.get("pauseConditions")),
        controller_pause=_bool(body.get("controllerPause")),
        abort=_bool(body.get("abort")),
        aborted_at=parse_time(body.get("abortedAt")),
        promote_full=_bool(body.get("promoteFull")),
        active_selector=_str(blue_green.get("activeSelector")),
        preview_selector=_str(blue_green.get("previewSelector")),
        canary_weight=_weight(body, extra),
        header_routes=_routes(extra.get("headerRoutes")),
        scale_down_at=_scale_down_at(extra.get("scaleDownAt")),
        analyses=_analyses(extra.get("analyses")),
        replicas=_int(body.get("replicas")),
        updated_replicas=_int(body.get("updatedReplicas")),
        ready_replicas=_int(body.get("readyReplicas")),
        available_replicas=_int(body.get("availableReplicas")),
        observed_generation=_int(body.get("observedGeneration")),
        conditions=_conditions(body.get("conditions")),
        progressed_at=parse_time(extra.get("progressedAt")),
        deadline_exceeded=_bool(extra.get("deadlineExceeded")),
        invalid_spec=_str(extra.get("invalidSpec")),
        promoting=_bool(extra.get("promoting")),
        old_gone_at=parse_time(recreate.get("oldGoneAt")),
        new_ready_at=parse_time(recreate.get("newReadyAt")),
        downtime_seconds=_downtime(recreate.get("downtimeSeconds")),
    )
