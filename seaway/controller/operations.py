"""What people ask of an app (sync, rollback, refresh, diff, the resource tree), shared by the
CLI and the HTTP API so both refuse and answer alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from seaway.controller.compare import Comparer, Comparison
from seaway.controller.reconcile import kinds_in_status
from seaway.controller.stored import AppStore, StoredApp
from seaway.model import AppProject, default_project, resolve_project
from seaway.model.status import SyncStatus


class OperationRefused(ValueError):
    """The request cannot be done as asked; the message says why and what to do."""


def sync_operation(
    username: str, prune: bool = False, revision: str | None = None
) -> dict[str, Any]:
    """Argo CD's `operation` field for a sync asked by `username`."""
    operation: dict[str, Any] = {"sync": {"prune": prune}, "initiatedBy": {"username": username}}
    if revision:
        operation["sync"]["revision"] = revision
    return operation


def rollback_operation(
    stored: StoredApp, history_id: int, username: str, prune: bool = False
) -> dict[str, Any]:
    """A sync back to a history entry. Refused while automated sync is on, which would move the
    app forward again at once (as Argo CD refuses it)."""
    policy = stored.app.spec.sync_policy if stored.app else None
    if policy is not None and policy.is_automated:
        raise OperationRefused(
            "rollback refused: automated sync is on; turn off spec.syncPolicy.automated "
            "first, or the controller would sync forward again"
        )
    entries = {int(e.get("id", -1)): e for e in stored.status.get("history") or []}
    if history_id not in entries:
        have = ", ".join(map(str, sorted(entries))) or "none"
        raise OperationRefused(f"no history entry {history_id} (have: {have})")
    return sync_operation(username, prune, str(entries[history_id]["revision"]))


async def project_for(apps: AppStore, stored: StoredApp) -> AppProject:
    if stored.app is None:
        raise OperationRefused(f"invalid Application: {stored.error}")
    found = resolve_project(stored.app.spec.project_name, await apps.projects())
    if found is None:
        if stored.app.spec.project_name != "default":
            raise OperationRefused(f"project {stored.app.spec.project_name!r} does not exist")
        found = default_project(apps.namespace)
    return found


async def compare_app(
    apps: AppStore, comparer: Comparer, stored: StoredApp, revision: str | None = None
) -> Comparison:
    """Compare as the controller would; refused when the desired state cannot be known."""
    project = await project_for(apps, stored)
    if stored.app is None:  # project_for refuses an invalid app already
        raise OperationRefused(f"invalid Application: {stored.error}")
    comparison = await comparer.compare(
        stored.app, project, kinds_in_status(stored.status), revision=revision
    )
    if not comparison.complete:
        raise OperationRefused(
            "; ".join(f"{c.type.value}: {c.message}" for c in comparison.conditions)
            or "the desired state is unknown"
        )
    return comparison


@dataclass(frozen=True)
class ResourceDiff:
    resource: str
    text: str


def diffs(comparison: Comparison) -> list[ResourceDiff]:
    """The out-of-sync resources of a comparison, each with a diff for people."""
    out = []
    for res in comparison.resources:
        if res.status is not SyncStatus.OUT_OF_SYNC:
            continue
        if res.diff is not None:
            out.append(ResourceDiff(str(res.key), res.diff.text()))
        else:
            out.append(
                ResourceDiff(str(res.key), f"--- {res.key} (live, not in Git: would be pruned)\n")
            )
    return out


def resource_tree(status: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The app's resources, one level under the app (what its status tracks), ordered by kind,
    namespace and name."""
    nodes = []
    for res in status.get("resources") or []:
        nodes.append(
            {
                "group": res.get("group", ""),
                "version": res.get("version", ""),
                "kind": res.get("kind", ""),
                "namespace": res.get("namespace", ""),
                "name": res.get("name", ""),
                "status": res.get("status", ""),
                "health": dict(res.get("health") or {}),
                "hook": bool(res.get("hook")),
                "requiresPruning": bool(res.get("requiresPruning")),
            }
        )
    return sorted(nodes, key=lambda n: (n["kind"], n["namespace"], n["name"]))
