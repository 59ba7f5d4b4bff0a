"""/pipeline: the stages dev -> prod as a picture, and the approve button where a manual stage
waits. An approval goes through the controller's `approve_and_promote`, as `seaway promote`
does: recorded with the user's roles, promoted once the stage's policy is met."""

from __future__ import annotations

from urllib.parse import quote_plus

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from seaway.api.auth import Outcome, Principal
from seaway.api.http.context import ApiContext
from seaway.api.http.deps import Ctx, actor, allowed, client_of, require
from seaway.api.ui import pipeline_view
from seaway.api.ui.auth import Viewer, form
from seaway.api.ui.render import page
from seaway.controller.promotion import (
    ManualOutcome,
    PromotionLoop,
    approve_and_promote,
    approver,
)
from seaway.controller.stages import PipelineError
from seaway.model.pipeline import Stage

router = APIRouter(include_in_schema=False)


def _loop(ctx: ApiContext) -> PromotionLoop:
    if ctx.promotions is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail="this server promotes through no pipeline"
        )
    return ctx.promotions


async def _project(ctx: ApiContext, stage: Stage) -> str:
    for name in stage.apps:
        stored = await ctx.apps.app(name)
        if stored is not None and stored.app is not None:
            return stored.app.spec.project_name or "default"
    return "default"


async def _may_approve(
    ctx: ApiContext, who: Principal, view: pipeline_view.PipelineView
) -> set[str]:
    """The stages whose gate this user may approve or promote."""
    loop = _loop(ctx)
    found = {p.pipeline.name: p.pipeline for p in await loop.pipelines()}
    stages = {s.name: s for s in found[view.name].stages} if view.name in found else {}
    may = set()
    for name, stage in stages.items():
        obj = f"{await _project(ctx, stage)}/{view.name}"
        if any(allowed(ctx, who, "promotions", a, obj) for a in ("approve", "promote")):
            may.add(name)
    return may


@router.get("/pipeline")
async def pipeline_page(ctx: Ctx, who: Viewer, request: Request, done: str = "") -> HTMLResponse:
    if ctx.promotions is None:
        return page(request, "pipeline.html", user=who, pipelines=[], may={}, done=done)
    views = await pipeline_view.pipelines(ctx.promotions)
    may = {v.name: await _may_approve(ctx, who, v) for v in views}
    return page(request, "pipeline.html", user=who, pipelines=views, may=may, done=done)


def _said(outcome: ManualOutcome, user: str) -> str:
    rep = outcome.report
    if outcome.promotion is not None:
        where = outcome.promotion.pull_request or f"commit {(outcome.promotion.commit or '')[:12]}"
        return f"promoted {outcome.promotion.label} {rep.source.name} -> {rep.target.name}: {where}"
    if rep.verdict.up_to_date or rep.source_release.release is None:
        return f"{rep.target.name} already runs what {rep.source.name} runs"
    held = "; ".join(h.message for h in rep.verdict.holds)
    lead = f"approval by {user} recorded" if outcome.approved else "no approval recorded"
    return f"{lead}; still held: {held}"


@router.post("/pipeline/{pipeline}/{stage}/approve")
async def approve(
    *, ctx: Ctx, who: Viewer, request: Request, pipeline: str, stage: str
) -> Response:
    await form(request)
    loop = _loop(ctx)
    found = {p.pipeline.name: p for p in await loop.pipelines()}
    loaded = found.get(pipeline)
    target = loaded.pipeline.stage(stage) if loaded is not None else None
    if loaded is None or target is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no stage {pipeline}/{stage}")
    obj = f"{await _project(ctx, target)}/{pipeline}"
    may_approve = allowed(ctx, who, "promotions", "approve", obj)
    if not may_approve and not allowed(ctx, who, "promotions", "promote", obj):
        require(ctx, who, "promotions", "approve", obj, client=client_of(request), audit=True)
    now = loop.clock()
    person = approver(who.subject, ctx.enforcer.roles(who.subject, who.groups), now)
    try:
        outcome = await approve_and_promote(
            loop.promoter,
            loaded,
            target,
            person if may_approve else None,
            by=who.subject,
            now=now,
        )
    except PipelineError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    said = _said(outcome, who.subject)
    ctx.access.audit.record(
        actor(who),
        "promotions.approve" if may_approve else "promotions.promote",
        f"{obj}/{stage}",
        Outcome.SUCCESS,
        client=client_of(request),
        detail={"result": said},
    )
    return RedirectResponse(f"/pipeline?done={quote_plus(said)}", status.HTTP_303_SEE_OTHER)
