"""One reconcile of one Application: compare, decide, sync if due, and write the status.

The status is written as Argo CD writes it (sync, health, resources, conditions, operationState,
history), and written during a sync after every step, so a controller that dies mid-sync finds
the operation Running with its finished steps and resumes it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from seaway.cluster.backend import ClusterBackend
from seaway.controller.compare import Comparer, Comparison
from seaway.controller.policy import Decision, LastSync, decide_auto_sync
from seaway.controller.windows import (
    hold_auto_sync,
    refused_operation,
    sync_verdict,
    with_hold_condition,
)
from seaway.health import assess
from seaway.model import Application, AppProject
from seaway.model.status import ApplicationConditionType, OperationPhase, SyncStatus
from seaway.model.sync_policy import SyncOptions
from seaway.sync.plan import PlanOptions, ResourceState, plan_sync
from seaway.sync.run import Runner, SyncProgress

log = logging.getLogger("seaway.controller")

SaveStatus = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class SyncRequest:
    """A sync asked for by a person (CLI, API) rather than by the automated policy."""

    prune: bool = False
    revision: str | None = None
    username: str = ""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: object) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass
class Outcome:
    status: dict[str, Any]
    comparison: Comparison
    decision: Decision | None = None
    synced: SyncProgress | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Reconciler:
    backend: ClusterBackend
    comparer: Comparer
    step_timeout: float = 300.0
    poll_interval: float = 0.5
    clock: Callable[[], dt.datetime] = _now

    async def reconcile(
        self,
        app: Application,
        project: AppProject,
        previous: Mapping[str, Any],
        *,
        save: SaveStatus,
        request: SyncRequest | None = None,
        refresh: bool = True,
    ) -> Outcome:
        """`previous` is the app's current status as stored (a dict in Argo CD's shape)."""
        kinds = kinds_in_status(previous)
        operation = dict(previous.get("operationState") or {})
        # A sync to a pinned revision (a rollback) resumes at that revision, not at Git's head.
        pinned = None
        if operation.get("phase") == OperationPhase.RUNNING.value:
            pinned = ((operation.get("operation") or {}).get("sync") or {}).get("revision")
        revision = request.revision if request else (pinned or None)
        comparison = await self.comparer.compare(
            app, project, kinds, revision=revision, refresh=refresh or request is not None
        )
        history = list(previous.get("history") or [])
        outcome = Outcome(status={}, comparison=comparison)
        # What to run, if anything: (prune, progress, the operation it belongs to).
        run: tuple[bool, SyncProgress, dict[str, Any]] | None = None
        resume = (
            operation.get("phase") == OperationPhase.RUNNING.value
            and (operation.get("syncResult") or {}).get("revision") == comparison.revision
            and comparison.complete
        )
        if resume:
            outcome.notes.append("resuming the interrupted sync")
            sync_op = (operation.get("operation") or {}).get("sync") or {}
            run = (bool(sync_op.get("prune")), SyncProgress.from_dict(operation), operation)
        elif request is not None:
            window = sync_verdict(app, project, self.clock(), manual=True)
            if not window.allowed:
                outcome.notes.append("sync refused by a sync window")
                asked = _operation(
                    request.prune,
                    automated=False,
                    user=request.username,
                    revision=request.revision or "",
                )
                operation = refused_operation(asked, window, _iso(self.clock()))
            elif comparison.complete:
                op: dict[str, Any] = {
                    "operation": _operation(
                        request.prune,
                        automated=False,
                        user=request.username,
                        revision=request.revision or "",
                    )
                }
                run = (request.prune, SyncProgress(revision=comparison.revision), op)
            else:
                outcome.notes.append("sync refused: the desired state is unknown")
        else:
            decision = decide_auto_sync(
                app,
                sync_status=comparison.sync_status,
                revision=comparison.revision,
                desired_count=len(comparison.desired),
                live_count=sum(1 for r in comparison.resources if r.live is not None),
                last=_last_sync(operation),
                now=self.clock(),
            )
            decision = hold_auto_sync(decision, app, project, self.clock())
            outcome.decision = decision
            if decision.sync:
                retrying = (
                    operation.get("phase") in (OperationPhase.FAILED, OperationPhase.ERROR)
                    and (operation.get("syncResult") or {}).get("revision") == comparison.revision
                )
                op = {
                    "operation": _operation(decision.prune, automated=True),
                    "retryCount": int(operation.get("retryCount", 0)) + 1 if retrying else 0,
                }
                run = (decision.prune, SyncProgress(revision=comparison.revision), op)

        if run is not None:
            prune, progress, base = run
            operation, history = await self._sync(
                app,
                comparison=comparison,
                prune=prune,
                progress=progress,
                operation=base,
                history=history,
                save=save,
                previous=previous,
            )
            outcome.synced = SyncProgress.from_dict(operation)
            # The sync changed the cluster: compare again so the status shows the result.
            comparison = await self.comparer.compare(
                app, project, kinds, revision=revision, refresh=False
            )
            outcome.comparison = comparison
        outcome.status = with_hold_condition(
            self.status(app, comparison, operation, history, previous),
            outcome.decision,
            previous,
            _iso(self.clock()),
        )
        await save(outcome.status)
        return outcome

    async def _sync(
        self,
        app: Application,
        *,
        comparison: Comparison,
        prune: bool,
        progress: SyncProgress,
        operation: dict[str, Any],
        history: list[dict[str, Any]],
        save: SaveStatus,
        previous: Mapping[str, Any],
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        policy = app.spec.sync_policy
        options = policy.options if policy is not None else SyncOptions()
        if options.create_namespace and app.spec.destination.namespace:
            await self.backend.apply(
                {
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {"name": app.spec.destination.namespace},
                }
            )
        plan = plan_sync(
            [
                ResourceState(r.key, r.desired, r.live, r.status is SyncStatus.OUT_OF_SYNC)
                for r in comparison.resources
            ],
            comparison.hooks,
            PlanOptions(
                prune=prune,
                prune_last=options.prune_last,
                apply_out_of_sync_only=options.apply_out_of_sync_only,
            ),
        )
        base = dict(operation)

        async def save_progress(p: SyncProgress) -> None:
            current = base | p.to_dict()
            await save(self.status(app, comparison, current, history, previous))

        runner = Runner(
            self.backend,
            assess,
            save_progress,
            step_timeout=self.step_timeout,
            poll_interval=self.poll_interval,
        )
        log.info("syncing %s to %s (prune=%s)", app.name, comparison.revision[:12], prune)
        done = await runner.run(plan, progress)
        operation = base | done.to_dict()
        if done.phase is OperationPhase.SUCCEEDED:
            history = _append_history(app, history, done)
        return operation, history

    def status(
        self,
        app: Application,
        comparison: Comparison,
        operation: Mapping[str, Any],
        history: list[dict[str, Any]],
        previous: Mapping[str, Any],
    ) -> dict[str, Any]:
        now = _iso(self.clock())
        health = comparison.health
        sources = [s.to_dict() for s in app.spec.all_sources()]
        compared_to: dict[str, Any] = {"destination": app.spec.destination.to_dict()}
        if app.spec.sources:
            compared_to["sources"] = sources
        elif sources:
            compared_to["source"] = sources[0]
        sync: dict[str, Any] = {
            "status": comparison.sync_status.value,
            "revision": comparison.revision,
            "comparedTo": compared_to,
        }
        if len(comparison.revisions) > 1:
            sync["revisions"] = comparison.revisions
        status: dict[str, Any] = {
            "sync": sync,
            "health": {"status": health.status.value, "message": health.message},
            "resources": [r.to_dict() for r in comparison.resources],
            "conditions": _conditions(comparison, operation, previous, now),
            "history": history,
            "reconciledAt": now,
            "observedAt": now,
        }
        if operation:
            status["operationState"] = dict(operation)
        return status


def _operation(prune: bool, automated: bool, user: str = "", revision: str = "") -> dict[str, Any]:
    initiated: dict[str, Any] = {"automated": automated}
    if user:
        initiated["username"] = user
    sync: dict[str, Any] = {"prune": prune}
    if revision:
        sync["revision"] = revision
    return {"sync": sync, "initiatedBy": initiated}


def kinds_in_status(previous: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (apiVersion, kind) of every resource a status lists: where to look for what to prune."""
    kinds = []
    for res in previous.get("resources") or []:
        group, version = str(res.get("group", "")), str(res.get("version", ""))
        if version and res.get("kind"):
            kinds.append((f"{group}/{version}" if group else version, str(res["kind"])))
    return kinds


def _last_sync(operation: Mapping[str, Any]) -> LastSync | None:
    if not operation.get("phase"):
        return None
    initiated = (operation.get("operation") or {}).get("initiatedBy") or {}
    return LastSync(
        revision=str((operation.get("syncResult") or {}).get("revision", "")),
        phase=OperationPhase(operation["phase"]),
        finished_at=_parse_time(operation.get("finishedAt")),
        retry_count=int(operation.get("retryCount", 0)),
        automated=bool(initiated.get("automated", False)),
    )


def _append_history(
    app: Application, history: list[dict[str, Any]], done: SyncProgress
) -> list[dict[str, Any]]:
    next_id = max((int(h.get("id", 0)) for h in history), default=-1) + 1
    entry: dict[str, Any] = {
        "id": next_id,
        "revision": done.revision,
        "deployStartedAt": done.started_at,
        "deployedAt": done.finished_at,
    }
    sources = [s.to_dict() for s in app.spec.all_sources()]
    if app.spec.sources:
        entry["sources"] = sources
    elif sources:
        entry["source"] = sources[0]
    limit = app.spec.history_limit
    kept = [*history, entry]
    return kept[-limit:] if limit > 0 else []


def _conditions(
    comparison: Comparison,
    operation: Mapping[str, Any],
    previous: Mapping[str, Any],
    now: str,
) -> list[dict[str, Any]]:
    current = [c.to_dict() for c in comparison.conditions]
    if operation.get("phase") in (OperationPhase.FAILED.value, OperationPhase.ERROR.value):
        current.append(
            {"type": ApplicationConditionType.SYNC_ERROR.value, "message": operation["message"]}
        )
    # A condition keeps the time it first appeared, so "since when" stays true across reconciles.
    since = {
        (c.get("type"), c.get("message")): c.get("lastTransitionTime")
        for c in previous.get("conditions") or []
    }
    for cond in current:
        cond["lastTransitionTime"] = since.get((cond["type"], cond["message"])) or now
    return current
