"""/api/v1/applications/{name}/rollouts: the app's Rollouts, and commands for them.

RBAC is Argo CD's for rollouts: `get` to see, `promote` for promote and promote-full,
`update` for abort, retry, pause and resume; objects are `<project>/<app>`. A command is
queued; the rollout driver acts on it on its next pass, and the status shows the result.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, status

from seaway.api.auth import Outcome
from seaway.api.http.applications import AppName, rbac_object
from seaway.api.http.context import ApiContext
from seaway.api.http.deps import Authed, Ctx, actor, client_of, require
from seaway.api.http.schemas import Accepted, RolloutList, RolloutOut, errors
from seaway.controller.operations import OperationRefused
from seaway.controller.rollout_ops import RolloutTarget, app_rollouts, give
from seaway.controller.stored import StoredApp

router = APIRouter(
    prefix="/api/v1/applications", tags=["rollouts"], responses=errors(400, 401, 403, 404, 409)
)


class RolloutCommand(StrEnum):
    PROMOTE = "promote"
    PROMOTE_FULL = "promote-full"
    ABORT = "abort"
    RETRY = "retry"
    PAUSE = "pause"
    RESUME = "resume"


_PROMOTING = frozenset({RolloutCommand.PROMOTE, RolloutCommand.PROMOTE_FULL})


def _target(ctx: ApiContext) -> RolloutTarget:
    if ctx.rollouts is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="this backend runs no Rollouts")
    return ctx.rollouts


async def _stored(ctx: ApiContext, name: str) -> StoredApp:
    stored = await ctx.apps.app(name)
    if stored is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no Application {name!r}")
    return stored


def _out(rollout: dict[str, Any]) -> RolloutOut:
    meta = rollout.get("metadata") or {}
    state = dict(rollout.get("status") or {})
    step = state.get("currentStepIndex")
    return RolloutOut(
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        phase=str(state.get("phase") or ""),
        message=str(state.get("message") or ""),
        step=int(step) if isinstance(step, int) else None,
        status=state,
    )


@router.get("/{name}/rollouts", summary="The application's Rollouts and their status")
async def list_rollouts(ctx: Ctx, who: Authed, name: AppName) -> RolloutList:
    stored = await _stored(ctx, name)
    require(ctx, who, "rollouts", "get", rbac_object(stored))
    found = await app_rollouts(_target(ctx), name)
    return RolloutList(items=[_out(r) for r in found])


@router.post(
    "/{name}/rollouts/{rollout}/{command}",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Promote, abort, retry, pause or resume a Rollout",
)
async def command_rollout(
    *,
    ctx: Ctx,
    who: Authed,
    name: AppName,
    rollout: Annotated[str, Path(min_length=1, max_length=253)],
    command: RolloutCommand,
    request: Request,
) -> Accepted:
    stored = await _stored(ctx, name)
    action = "promote" if command in _PROMOTING else "update"
    obj = rbac_object(stored)
    require(ctx, who, "rollouts", action, obj, client=client_of(request), audit=True)
    target = _target(ctx)
    found = {r["metadata"]["name"]: r for r in await app_rollouts(target, name)}
    if rollout not in found:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"application {name!r} has no Rollout {rollout!r}"
        )
    try:
        await give(target, found[rollout], command.value)
    except OperationRefused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    ctx.access.audit.record(
        actor(who),
        f"rollouts.{command.value}",
        f"{obj}/{rollout}",
        Outcome.SUCCESS,
        client=client_of(request),
    )
    return Accepted(app=name, message=f"{command.value} queued for Rollout {rollout}")
