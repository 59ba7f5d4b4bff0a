"""Which triggers an app's status change fires: pure, from two statuses in Argo CD's shape.

A trigger fires on the change into a state, not while the state lasts (Argo CD's `oncePer`
idea): an app that stays OutOfSync for an hour sends one message, not one per reconcile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from seaway.model.status import HealthStatus, OperationPhase, SyncStatus
from seaway.notify.events import Trigger

_FAILED = frozenset({OperationPhase.FAILED.value, OperationPhase.ERROR.value})


@dataclass(frozen=True)
class AppState:
    """What of an app's status people are told about."""

    sync: str = ""
    health: str = ""
    phase: str = ""
    revision: str = ""
    message: str = ""
    # Tells two operations apart, so a second failed sync fires again.
    started_at: str = ""


def state_of(status: Mapping[str, Any]) -> AppState:
    sync = status.get("sync") or {}
    health = status.get("health") or {}
    operation = status.get("operationState") or {}
    phase = str(operation.get("phase") or "")
    message = str(operation.get("message") or "") if phase in _FAILED else ""
    if not message:
        message = str(health.get("message") or "")
    conditions = status.get("conditions") or []
    if not message and conditions:
        message = str(conditions[0].get("message") or "")
    return AppState(
        sync=str(sync.get("status") or ""),
        health=str(health.get("status") or ""),
        phase=phase,
        revision=str(sync.get("revision") or ""),
        message=message,
        started_at=str(operation.get("startedAt") or ""),
    )


def fired(before: AppState, after: AppState) -> tuple[Trigger, ...]:
    out: list[Trigger] = []
    if after.sync == SyncStatus.OUT_OF_SYNC.value and before.sync != after.sync:
        out.append(Trigger.OUT_OF_SYNC)
    if after.health == HealthStatus.DEGRADED.value and before.health != after.health:
        out.append(Trigger.DEGRADED)
    new_operation = (before.phase, before.started_at) != (after.phase, after.started_at)
    if after.phase in _FAILED and new_operation:
        out.append(Trigger.SYNC_FAILED)
    return tuple(out)


def changed(before: AppState, after: AppState) -> bool:
    """Whether the change is worth an event at all (timestamps alone are not)."""
    return (before.sync, before.health, before.phase, before.revision, before.message) != (
        after.sync,
        after.health,
        after.phase,
        after.revision,
        after.message,
    )
