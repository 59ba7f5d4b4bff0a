"""A Rollout's page (steps, weight, header routes, analysis, a live chart), the JSON its chart
polls, and the commands (promote, abort, ...) through the API's own route function."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from seaway.api.auth import Principal
from seaway.api.http import rollouts as api_rollouts
from seaway.api.http.applications import rbac_object
from seaway.api.http.context import ApiContext
from seaway.api.http.deps import Ctx, allowed, require
from seaway.api.http.rollouts import RolloutCommand
from seaway.api.ui import badges, rollout_view
from seaway.api.ui.auth import Viewer, form
from seaway.api.ui.render import page
from seaway.controller.rollout_ops import app_rollouts

router = APIRouter(include_in_schema=False)

# Shown in this order; promote-full skips the remaining steps, as in Argo Rollouts.
_BUTTONS = ("promote", "promote-full", "pause", "resume", "retry", "abort")


async def _find(
    ctx: ApiContext, who: Principal, name: str, rollout: str
) -> tuple[dict[str, Any], str]:
    stored = await ctx.apps.app(name)
    if stored is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no Application {name!r}")
    obj = rbac_object(stored)
    require(ctx, who, "rollouts", "get", obj)
    if ctx.rollouts is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="this backend runs no Rollouts")
    for found in await app_rollouts(ctx.rollouts, name):
        if found["metadata"]["name"] == rollout:
            return found, obj
    raise HTTPException(
        status.HTTP_404_NOT_FOUND, detail=f"application {name!r} has no Rollout {rollout!r}"
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _may(ctx: ApiContext, who: Principal, obj: str, command: str) -> bool:
    action = "promote" if command.startswith("promote") else "update"
    return allowed(ctx, who, "rollouts", action, obj)


@router.get("/apps/{name}/rollouts/{rollout}")
async def rollout_page(
    *, ctx: Ctx, who: Viewer, request: Request, name: str, rollout: str, done: str = ""
) -> HTMLResponse:
    found, obj = await _find(ctx, who, name, rollout)
    state = found.get("status") or {}
    snap = rollout_view.snapshot(found, _now())
    return page(
        request,
        "rollout.html",
        user=who,
        app=name,
        rollout=rollout,
        namespace=found["metadata"].get("namespace", ""),
        phase=badges.phase(str(state.get("phase") or "")),
        message=str(state.get("message") or ""),
        steps=rollout_view.steps(found),
        weight=snap["weight"],
        routes=rollout_view.header_routes(state),
        analyses=[(a, badges.phase(a["phase"])) for a in snap["analyses"]],
        snapshot=snap,
        buttons=[c for c in _BUTTONS if _may(ctx, who, obj, c)],
        done=done,
    )


@router.get("/apps/{name}/rollouts/{rollout}/status.json")
async def rollout_status(ctx: Ctx, who: Viewer, name: str, rollout: str) -> JSONResponse:
    found, _ = await _find(ctx, who, name, rollout)
    return JSONResponse(rollout_view.snapshot(found, _now()), headers={"Cache-Control": "no-store"})


@router.post("/apps/{name}/rollouts/{rollout}/{command}")
async def rollout_command(
    *, ctx: Ctx, who: Viewer, request: Request, name: str, rollout: str, command: str
) -> Response:
    await form(request)
    try:
        chosen = RolloutCommand(command)
    except ValueError:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"no rollout command {command!r}"
        ) from None
    await api_rollouts.command_rollout(
        ctx=ctx, who=who, name=name, rollout=rollout, command=chosen, request=request
    )
    return RedirectResponse(
        f"/apps/{name}/rollouts/{rollout}?done={chosen.value}+queued", status.HTTP_303_SEE_OTHER
    )
