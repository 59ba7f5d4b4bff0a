"""/pipeline: the stages dev -> prod as a picture, and the approve button where a manual stage
waits. Read and acted on through the API's pipeline routes (`seaway.api.http.pipelines`), so
what a stage runs, what holds its gate, RBAC and audit are theirs; this module only picks which
buttons to show."""

from __future__ import annotations

from urllib.parse import quote_plus

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from seaway.api.auth import Principal
from seaway.api.http import applications as api_apps
from seaway.api.http import pipelines as api_pipelines
from seaway.api.http.context import ApiContext
from seaway.api.http.deps import Ctx, allowed
from seaway.api.http.pipeline_schemas import PipelineOut
from seaway.api.ui import badges
from seaway.api.ui.auth import Viewer, form
from seaway.api.ui.render import page
from seaway.controller import pipelines as service

router = APIRouter(include_in_schema=False)


async def _may_act(ctx: ApiContext, who: Principal, pipeline: PipelineOut) -> set[str]:
    """The stages whose gate this user may approve or promote (the route checks again)."""
    if ctx.promotions is None:
        return set()
    loaded = await service.find(ctx.promotions, pipeline.name)
    may = set()
    for stage in loaded.pipeline.stages:
        obj = f"{await service.project_of(ctx.apps, stage)}/{pipeline.name}"
        if any(allowed(ctx, who, "promotions", a, obj) for a in ("approve", "promote")):
            may.add(stage.name)
    return may


@router.get("/pipeline")
async def pipeline_page(ctx: Ctx, who: Viewer, request: Request, done: str = "") -> HTMLResponse:
    listed = (await api_pipelines.list_pipelines(ctx, who)).items
    pipelines = [await api_pipelines.get_pipeline(ctx, who, p.name) for p in listed]
    apps = {
        a.name: (badges.health(a.health), badges.sync(a.sync))
        for a in (await api_apps.list_apps(ctx, who)).items
    }
    return page(
        request,
        "pipeline.html",
        user=who,
        pipelines=pipelines,
        apps=apps,
        may={p.name: await _may_act(ctx, who, p) for p in pipelines},
        done=done,
    )


@router.post("/pipeline/{pipeline}/{stage}/approve")
async def approve(
    *, ctx: Ctx, who: Viewer, request: Request, pipeline: str, stage: str
) -> Response:
    await form(request)
    answer = await api_pipelines.approve_stage(ctx, who, pipeline, stage, request)
    return RedirectResponse(
        f"/pipeline?done={quote_plus(answer.message)}", status.HTTP_303_SEE_OTHER
    )
