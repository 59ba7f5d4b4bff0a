"""The pages: login, the applications, one application (resource tree, diff, history,
conditions) and the actions on it. Each reads and acts through the API's own route functions,
so RBAC, audit and errors are the API's."""

from __future__ import annotations

import asyncio
import math
from importlib.resources import files
from typing import Annotated
from urllib.parse import quote_plus

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from seaway.api.auth import Outcome, Principal
from seaway.api.auth.sessions import DEFAULT_SESSION_SECONDS
from seaway.api.http import applications as api_apps
from seaway.api.http.context import ApiContext
from seaway.api.http.deps import SESSION_COOKIE, Ctx, actor, allowed, client_of, context
from seaway.api.http.schemas import AppSummary, ResourceDiffOut, RollbackIn, SyncIn
from seaway.api.ui import badges, tree
from seaway.api.ui.auth import Viewer, form, safe_next
from seaway.api.ui.render import page
from seaway.controller.rollout_ops import app_rollouts

router = APIRouter(include_in_schema=False)

_STATIC_TYPES = {"ui.css": "text/css", "rollout.js": "text/javascript"}

Filter = Annotated[str, Query(max_length=253)]


@router.get("/ui/static/{name}")
async def static(name: str) -> Response:
    kind = _STATIC_TYPES.get(name)
    if kind is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no file {name!r}")
    body = (files("seaway.api.ui") / "static" / name).read_bytes()
    return Response(body, media_type=kind, headers={"Cache-Control": "max-age=300"})


@router.get("/login")
async def login_form(request: Request, next: Filter = "/") -> HTMLResponse:
    return page(request, "login.html", after=safe_next(next), error="")


@router.post("/login")
async def login(request: Request) -> Response:
    ctx = context(request)
    fields = await form(request)
    after = safe_next(fields.get("next"))
    username, password = fields.get("username", ""), fields.get("password", "")
    # argon2 takes a while on purpose: off the event loop, which also runs the controller.
    result = await asyncio.to_thread(ctx.access.login, username, password, client_of(request))
    if not result.ok or result.session is None:
        code = status.HTTP_401_UNAUTHORIZED
        error = result.reason
        if result.retry_after > 0:
            code = status.HTTP_429_TOO_MANY_REQUESTS
            error = f"{result.reason}; try again in {math.ceil(result.retry_after)} s"
        return page(request, "login.html", code, after=after, error=error, username=username)
    answer = RedirectResponse(after, status_code=status.HTTP_303_SEE_OTHER)
    answer.set_cookie(
        SESSION_COOKIE,
        result.session,
        max_age=DEFAULT_SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=ctx.secure_cookie,
        path="/",
    )
    return answer


@router.post("/logout")
async def logout(ctx: Ctx, who: Viewer, request: Request) -> Response:
    await form(request)
    answer = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    answer.delete_cookie(SESSION_COOKIE, path="/")
    ctx.access.audit.record(
        actor(who), "logout", who.subject, Outcome.SUCCESS, client=client_of(request)
    )
    return answer


def _matches(app: AppSummary, name: str, project: str, state: str) -> bool:
    return (
        name.lower() in app.name.lower()
        and (not project or app.project == project)
        and (not state or state in (app.sync, app.health))
    )


@router.get("/")
async def apps_page(
    *,
    ctx: Ctx,
    who: Viewer,
    request: Request,
    name: Filter = "",
    project: Filter = "",
    state: Filter = "",
) -> HTMLResponse:
    every = (await api_apps.list_apps(ctx, who)).items
    shown = [a for a in every if _matches(a, name, project, state)]
    return page(
        request,
        "apps.html",
        user=who,
        apps=[(a, badges.sync(a.sync), badges.health(a.health)) for a in shown],
        total=len(every),
        projects=sorted({a.project for a in every}),
        states=sorted({s for a in every for s in (a.sync, a.health) if s}),
        filters={"name": name, "project": project, "state": state},
        last_sync={a.name: await _last_sync(ctx, a.name) for a in shown},
    )


async def _last_sync(ctx: ApiContext, name: str) -> str:
    stored = await ctx.apps.app(name)
    if stored is None:
        return ""
    operation = stored.status.get("operationState") or {}
    return str(operation.get("finishedAt") or operation.get("startedAt") or "")


async def _rollout_names(ctx: ApiContext, who: Principal, name: str, obj: str) -> list[str]:
    if ctx.rollouts is None or not allowed(ctx, who, "rollouts", "get", obj):
        return []
    return [str(r["metadata"]["name"]) for r in await app_rollouts(ctx.rollouts, name)]


async def _diff(ctx: ApiContext, who: Principal, name: str) -> tuple[list[ResourceDiffOut], str]:
    try:
        found = await api_apps.get_diff(ctx, who, name)
    except HTTPException as exc:
        if exc.status_code == status.HTTP_409_CONFLICT:
            return [], str(exc.detail)
        raise
    return found.resources, ""


@router.get("/apps/{name}")
async def app_page(
    ctx: Ctx, who: Viewer, request: Request, name: str, done: Filter = ""
) -> HTMLResponse:
    detail = await api_apps.get_app(ctx, who, name)
    app = detail.summary
    obj = f"{app.project}/{app.name}"
    nodes = [n.model_dump(by_alias=True) for n in (await api_apps.get_tree(ctx, who, name)).nodes]
    diffs, diff_problem = await _diff(ctx, who, name)
    history = (await api_apps.get_history(ctx, who, name)).items
    status_ = detail.object.get("status") or {}
    return page(
        request,
        "app.html",
        user=who,
        app=app,
        sync=badges.sync(app.sync),
        health=badges.health(app.health),
        source=(detail.object.get("spec") or {}).get("source") or {},
        picture=tree.picture(app.name, app.health, nodes),
        nodes=nodes,
        diffs=diffs,
        diff_problem=diff_problem,
        history=list(reversed(history)),
        conditions=status_.get("conditions") or [],
        operation=status_.get("operationState") or {},
        may_sync=allowed(ctx, who, "applications", "sync", obj),
        rollouts=await _rollout_names(ctx, who, name, obj),
        done=done,
    )


def _back(name: str, done: str) -> RedirectResponse:
    """After a form's post, back to the app's page with what was done (post/redirect/get)."""
    return RedirectResponse(f"/apps/{name}?done={quote_plus(done)}", status.HTTP_303_SEE_OTHER)


@router.post("/apps/{name}/sync")
async def sync(ctx: Ctx, who: Viewer, request: Request, name: str) -> Response:
    fields = await form(request)
    body = SyncIn(prune=fields.get("prune") == "on")
    await api_apps.sync_app(ctx, who, name, request, body)
    return _back(name, "sync requested")


@router.post("/apps/{name}/refresh")
async def refresh(ctx: Ctx, who: Viewer, request: Request, name: str) -> Response:
    await form(request)
    await api_apps.refresh_app(ctx, who, name, request)
    return _back(name, "refresh requested")


@router.post("/apps/{name}/rollback")
async def rollback(ctx: Ctx, who: Viewer, request: Request, name: str) -> Response:
    fields = await form(request)
    entry = fields.get("id", "")
    if not entry.isdigit():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="rollback: no history entry id")
    await api_apps.rollback_app(ctx, who, name, RollbackIn(id=int(entry)), request)
    return _back(name, f"rollback to history entry {entry} requested")
