"""Sync windows enforced on reconcile: an automated sync (self-heal included) waits for its
window, a manual sync is refused unless manualSync lets it through, and the app says why.

Argo CD has no condition for a held sync; Seaway adds one (SyncWindowHold, a warning) whose
message names the window and when the sync may run, and the app stays OutOfSync meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from seaway.controller.policy import Decision
from seaway.model import Application, AppProject
from seaway.promote.windows import WindowTarget, WindowVerdict, hold_message, verdict

HOLD_CONDITION = "SyncWindowHold"


def window_target(app: Application) -> WindowTarget:
    destination = app.spec.destination
    return WindowTarget(
        app=app.name,
        namespace=destination.namespace,
        server=destination.server,
        cluster_name=destination.name,
    )


def sync_verdict(
    app: Application, project: AppProject, now: dt.datetime, *, manual: bool
) -> WindowVerdict:
    return verdict(project.spec.sync_windows, window_target(app), now, manual=manual)


def hold_auto_sync(
    decision: Decision, app: Application, project: AppProject, now: dt.datetime
) -> Decision:
    """The automated sync's decision with the windows applied: a due sync may be held."""
    if not decision.sync or not project.spec.sync_windows:
        return decision
    result = sync_verdict(app, project, now, manual=False)
    if result.allowed:
        return decision
    return Decision(False, decision.prune, hold_message(result), retry_at=result.opens_at)


def refused_operation(
    request_operation: Mapping[str, Any], result: WindowVerdict, now: str
) -> dict[str, Any]:
    """The operationState of a manual sync refused by a window: Error, saying which and until
    when, so whoever asked (the CLI waits on it) gets the reason."""
    return {
        "operation": dict(request_operation),
        "phase": "Error",
        "message": hold_message(result, "manual sync refused"),
        "startedAt": now,
        "finishedAt": now,
    }


def with_hold_condition(
    status: dict[str, Any], decision: Decision | None, previous: Mapping[str, Any], now: str
) -> dict[str, Any]:
    """The status plus the hold condition when the decision is a window's hold."""
    if decision is None or decision.sync or not decision.reason.startswith("automated sync held"):
        return status
    since = next(
        (
            c.get("lastTransitionTime")
            for c in previous.get("conditions") or []
            if c.get("type") == HOLD_CONDITION and c.get("message") == decision.reason
        ),
        None,
    )
    condition = {
        "type": HOLD_CONDITION,
        "message": decision.reason,
        "lastTransitionTime": since or now,
    }
    return {**status, "conditions": [*(status.get("conditions") or []), condition]}
