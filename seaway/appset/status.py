"""The status an ApplicationSet carries, as Argo CD writes it: three conditions (ErrorOccurred,
ParametersGenerated, ResourcesUpToDate) and the list of the Applications it made."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from seaway.model import API_GROUP

_SUCCESS = "Successfully generated parameters for all Applications"
_UP_TO_DATE = "All applications have been generated successfully"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _conditions(error: str, reason: str, generated: bool) -> list[dict[str, str]]:
    if not error:
        return [
            {
                "type": "ErrorOccurred",
                "status": "False",
                "reason": "ApplicationSetUpToDate",
                "message": _SUCCESS,
            },
            {
                "type": "ParametersGenerated",
                "status": "True",
                "reason": "ParametersGenerated",
                "message": _SUCCESS,
            },
            {
                "type": "ResourcesUpToDate",
                "status": "True",
                "reason": "ApplicationSetUpToDate",
                "message": _UP_TO_DATE,
            },
        ]
    return [
        {"type": "ErrorOccurred", "status": "True", "reason": reason, "message": error},
        {
            "type": "ParametersGenerated",
            "status": "True" if generated else "False",
            "reason": "ParametersGenerated" if generated else "ErrorOccurred",
            "message": _SUCCESS if generated else error,
        },
        {"type": "ResourcesUpToDate", "status": "False", "reason": reason, "message": error},
    ]


def resource_entry(app: Mapping[str, Any]) -> dict[str, Any]:
    """One generated Application as the set's status lists it."""
    meta = app.get("metadata") or {}
    status = app.get("status") or {}
    entry: dict[str, Any] = {
        "group": API_GROUP,
        "version": "v1alpha1",
        "kind": "Application",
        "name": meta.get("name", ""),
        "namespace": meta.get("namespace", ""),
    }
    sync = (status.get("sync") or {}).get("status")
    if sync:
        entry["status"] = sync
    health = status.get("health") or {}
    if health.get("status"):
        entry["health"] = {"status": health["status"]}
    return entry


def appset_status(
    previous: Mapping[str, Any],
    *,
    error: str = "",
    reason: str = "",
    generated: bool = True,
    apps: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The set's status; a condition that did not change keeps its lastTransitionTime, so an
    unchanged status is not rewritten."""
    before = {c.get("type"): c for c in previous.get("conditions") or []}
    conditions = []
    for condition in _conditions(error, reason, generated):
        old = before.get(condition["type"])
        same = old is not None and all(old.get(k) == v for k, v in condition.items())
        since = old.get("lastTransitionTime") if same and old is not None else None
        conditions.append({**condition, "lastTransitionTime": since or _now()})
    status: dict[str, Any] = {"conditions": conditions}
    resources = sorted((resource_entry(app) for app in apps), key=lambda r: str(r["name"]))
    if resources or error:
        status["resources"] = resources if resources else list(previous.get("resources") or [])
    if not status.get("resources"):
        status.pop("resources", None)
    return status
