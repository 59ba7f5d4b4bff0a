"""/api/v1/applications: list, get, resource tree, diff, history, sync, rollback, refresh,
delete.

Objects in RBAC are `<project>/<app>`, as in Argo CD. A sync or rollback is accepted (202)
once it is recorded on the app; the controller runs it, and its progress shows in the app's
status and in the event stream.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status

from seaway.api.auth import Outcome, Principal
from seaway.api.http.context import ApiContext
from seaway.api.http.deps import Authed, Ctx, actor, allowed, client_of, require
from seaway.api.http.schemas import (
    Accepted,
    AppDetail,
    AppList,
    AppSummary,
    DiffOut,
    HistoryEntry,
    HistoryOut,
    ResourceDiffOut,
    ResourceNode,
    ResourceTree,
    RollbackIn,
    SyncIn,
    errors,
)
from seaway.controller.deletion import DeleteRefused, delete_app
from seaway.controller.events import project_of
from seaway.controller.operations import (
    OperationRefused,
    compare_app,
    diffs,
    resource_tree,
    rollback_operation,
    sync_operation,
)
from seaway.controller.stored import StoredApp

router = APIRouter(
    prefix="/api/v1/applications",
    tags=["applications"],
    responses=errors(400, 401, 403, 404, 409),
)

AppName = Annotated[str, Path(min_length=1, max_length=253, description="The app's name.")]


def summary(stored: StoredApp) -> AppSummary:
    status_ = stored.status
    sync = status_.get("sync") or {}
    health = status_.get("health") or {}
    return AppSummary(
        name=stored.name,
        project=project_of(stored),
        sync=str(sync.get("status") or ""),
        health=str(health.get("status") or ""),
        health_message=str(health.get("message") or ""),
        revision=str(sync.get("revision") or ""),
        operation_phase=str((status_.get("operationState") or {}).get("phase") or ""),
        conditions=[str(c.get("type", "")) for c in status_.get("conditions") or []],
        valid=stored.app is not None,
    )


def rbac_object(stored: StoredApp) -> str:
    return f"{project_of(stored)}/{stored.name}"


async def _app(ctx: ApiContext, who: Principal, name: str, action: str = "get") -> StoredApp:
    stored = await ctx.apps.app(name)
    if stored is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no Application {name!r}")
    require(ctx, who, "applications", action, rbac_object(stored), audit=action != "get")
    return stored


@router.get("", summary="List the applications you may see")
async def list_apps(ctx: Ctx, who: Authed) -> AppList:
    found = [
        summary(s)
        for s in await ctx.apps.apps()
        if allowed(ctx, who, "applications", "get", rbac_object(s))
    ]
    return AppList(items=found)


@router.get("/{name}", summary="One application, with its full status")
async def get_app(ctx: Ctx, who: Authed, name: AppName) -> AppDetail:
    stored = await _app(ctx, who, name)
    return AppDetail(summary=summary(stored), object=stored.raw)


@router.get("/{name}/resource-tree", summary="The resources the application manages")
async def get_tree(ctx: Ctx, who: Authed, name: AppName) -> ResourceTree:
    stored = await _app(ctx, who, name)
    return ResourceTree(
        nodes=[ResourceNode.model_validate(n) for n in resource_tree(stored.status)]
    )


@router.get("/{name}/diff", summary="How the live state differs from Git")
async def get_diff(
    ctx: Ctx,
    who: Authed,
    name: AppName,
    revision: Annotated[str | None, Query(max_length=256)] = None,
) -> DiffOut:
    stored = await _app(ctx, who, name)
    try:
        comparison = await compare_app(
            ctx.apps, ctx.controller.reconciler.comparer, stored, revision
        )
    except OperationRefused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    found = diffs(comparison)
    return DiffOut(
        revision=comparison.revision,
        in_sync=not found,
        resources=[ResourceDiffOut(resource=d.resource, diff=d.text) for d in found],
    )


@router.get("/{name}/history", summary="The revisions the application was synced to")
async def get_history(ctx: Ctx, who: Authed, name: AppName) -> HistoryOut:
    stored = await _app(ctx, who, name)
    items = [_history_entry(e) for e in stored.status.get("history") or []]
    return HistoryOut(items=items)


def _history_entry(entry: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        id=int(entry.get("id", 0)),
        revision=str(entry.get("revision") or ""),
        deploy_started_at=str(entry.get("deployStartedAt") or ""),
        deployed_at=str(entry.get("deployedAt") or ""),
    )


async def _request(
    ctx: ApiContext, who: Principal, request: Request, stored: StoredApp, op: dict[str, Any]
) -> None:
    await ctx.apps.request_sync(stored.name, op)
    ctx.controller.enqueue(stored.name, refresh=True)
    sync = op.get("sync") or {}
    ctx.access.audit.record(
        actor(who),
        "applications.sync",
        rbac_object(stored),
        Outcome.SUCCESS,
        client=client_of(request),
        detail={"revision": str(sync.get("revision") or ""), "prune": str(sync.get("prune"))},
    )


@router.post(
    "/{name}/sync", status_code=status.HTTP_202_ACCEPTED, summary="Sync the application now"
)
async def sync_app(
    ctx: Ctx, who: Authed, name: AppName, request: Request, body: SyncIn | None = None
) -> Accepted:
    asked = body or SyncIn()
    stored = await _app(ctx, who, name, "sync")
    op = sync_operation(who.subject, asked.prune, asked.revision)
    await _request(ctx, who, request, stored, op)
    return Accepted(app=name, message="sync requested", operation=op)


@router.post(
    "/{name}/rollback",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Sync back to a revision from the history",
)
async def rollback_app(
    ctx: Ctx, who: Authed, name: AppName, body: RollbackIn, request: Request
) -> Accepted:
    stored = await _app(ctx, who, name, "sync")
    try:
        op = rollback_operation(stored, body.id, who.subject, body.prune)
    except OperationRefused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    await _request(ctx, who, request, stored, op)
    return Accepted(
        app=name, message=f"rollback to history entry {body.id} requested", operation=op
    )


@router.post(
    "/{name}/refresh",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Look at Git now rather than at the next poll",
)
async def refresh_app(ctx: Ctx, who: Authed, name: AppName, request: Request) -> Accepted:
    # Argo CD lets whoever may see an app refresh it (a refresh changes nothing in the
    # cluster); it is still audited, as every request that makes the controller work.
    stored = await _app(ctx, who, name, "get")
    ctx.controller.enqueue(stored.name, refresh=True)
    ctx.access.audit.record(
        actor(who),
        "applications.refresh",
        rbac_object(stored),
        Outcome.SUCCESS,
        client=client_of(request),
    )
    return Accepted(app=name, message="refresh requested")


@router.delete(
    "/{name}",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Delete the application (with cascade, its resources too)",
)
async def delete_application(
    ctx: Ctx,
    who: Authed,
    name: AppName,
    request: Request,
    cascade: Annotated[
        bool, Query(description="Delete the app's resources too (as Argo CD, the default).")
    ] = True,
) -> Accepted:
    stored = await _app(ctx, who, name, "delete")
    try:
        await delete_app(ctx.apps, stored, cascade=cascade)
    except (DeleteRefused, KeyError) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    ctx.controller.enqueue(stored.name, refresh=True)
    ctx.access.audit.record(
        actor(who),
        "applications.delete",
        rbac_object(stored),
        Outcome.SUCCESS,
        client=client_of(request),
        detail={"cascade": str(cascade)},
    )
    what = " and its resources" if cascade else " (its resources stay)"
    return Accepted(app=name, message=f"deletion of {name}{what} requested")
