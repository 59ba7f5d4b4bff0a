"""/api/v1/pipelines: the stage pipelines the controller promotes through, what each stage runs
and what holds it, promotion history, and a person's approval (Kargo's "promote" button).

RBAC objects are `<project>/<pipeline>` (the project of the stage's apps), resource
`promotions`: `get` to read, `approve` to sign a release off (with the user's roles, which an
approval policy may require), `promote` to carry out what others approved. A server that runs
no pipeline answers 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, status

from seaway.api.auth import Outcome
from seaway.api.http.context import ApiContext
from seaway.api.http.deps import Authed, Ctx, actor, allowed, client_of, require
from seaway.api.http.pipeline_schemas import (
    ApprovalOut,
    ApproveOut,
    GateOut,
    HoldOut,
    OriginOut,
    PipelineList,
    PipelineOut,
    PipelineSummary,
    PromotionList,
    PromotionOut,
    StageOut,
)
from seaway.api.http.schemas import errors
from seaway.controller import pipelines as service
from seaway.controller.promotion import ManualOutcome, PromotionLoop
from seaway.controller.stages import LoadedPipeline, PipelineError, StageReport
from seaway.store.promotions import PromotionRecord

router = APIRouter(
    prefix="/api/v1/pipelines", tags=["pipelines"], responses=errors(401, 403, 404, 409)
)

Name = Annotated[str, Path(min_length=1, max_length=253, description="The pipeline's name.")]
StageName = Annotated[str, Path(min_length=1, max_length=253, description="The stage's name.")]


def _loop(ctx: ApiContext) -> PromotionLoop:
    if ctx.promotions is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail="this server promotes through no pipeline"
        )
    return ctx.promotions


async def _pipeline(ctx: ApiContext, name: str) -> tuple[PromotionLoop, LoadedPipeline]:
    loop = _loop(ctx)
    try:
        return loop, await service.find(loop, name)
    except service.PipelineNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None


async def _objects(ctx: ApiContext, loaded: LoadedPipeline) -> set[str]:
    """The RBAC objects of the pipeline: one per project its stages deploy into."""
    name = loaded.pipeline.name
    return {f"{await service.project_of(ctx.apps, s)}/{name}" for s in loaded.pipeline.stages}


async def _may_see(ctx: ApiContext, who: Authed, loaded: LoadedPipeline) -> bool:
    return any(allowed(ctx, who, "promotions", "get", o) for o in await _objects(ctx, loaded))


async def _require_see(ctx: ApiContext, who: Authed, loaded: LoadedPipeline) -> None:
    """403 unless the user may read the pipeline in one of the projects it deploys into."""
    objects = sorted(await _objects(ctx, loaded))
    if not any(allowed(ctx, who, "promotions", "get", o) for o in objects):
        require(ctx, who, "promotions", "get", objects[0])


def _gate(rep: StageReport) -> GateOut:
    release = rep.source_release.release
    return GateOut(
        source=rep.source.name,
        incoming=release.label if release is not None else "",
        up_to_date=rep.verdict.up_to_date,
        ready=rep.verdict.ready,
        waiting_for_approval=service.waiting(rep),
        holds=[
            HoldOut(kind=str(h.kind), message=h.message, failed=h.failed, until=h.until)
            for h in rep.verdict.holds
        ],
        approvals=[
            ApprovalOut(user=a.user, roles=list(a.roles), at=a.at) for a in rep.gate.approvals
        ],
    )


def _promotion(record: PromotionRecord) -> PromotionOut:
    return PromotionOut(
        id=record.id,
        pipeline=record.pipeline,
        source=record.source,
        target=record.target,
        release=record.release,
        label=record.label,
        images=list(record.images),
        commit=record.commit or "",
        pull_request=record.pull_request,
        by=record.by,
        approvers=list(record.approvers),
        automatic=record.automatic,
        at=record.at,
    )


def _origin(found: service.Origin | None) -> OriginOut | None:
    if found is None:
        return None
    record = found.promotion
    if record is None:
        return OriginOut(
            at=found.at, commit=found.commit, author=found.author, subject=found.subject
        )
    return OriginOut(
        at=found.at,
        promoted_from=record.source,
        promoted_by=record.by,
        automatic=record.automatic,
        approvers=list(record.approvers),
        commit=record.commit or "",
        pull_request=record.pull_request,
    )


def _stage(facts: service.StageFacts) -> StageOut:
    stage = facts.stage
    return StageOut(
        name=stage.name,
        promotion=str(stage.promotion),
        branch=facts.branch,
        folder=stage.folder,
        apps=list(stage.apps),
        release=facts.release,
        images=list(facts.images),
        revision=facts.revision,
        problem=facts.problem,
        since=facts.origin.at if facts.origin is not None else None,
        origin=_origin(facts.origin),
        gate=_gate(facts.gate) if facts.gate is not None else None,
    )


@router.get("", summary="The pipelines you may see")
async def list_pipelines(ctx: Ctx, who: Authed) -> PipelineList:
    if ctx.promotions is None:
        return PipelineList(items=[])
    items = [
        PipelineSummary(
            name=loaded.pipeline.name,
            repo_url=loaded.url,
            stages=[s.name for s in loaded.pipeline.stages],
        )
        for loaded in await ctx.promotions.pipelines()
        if await _may_see(ctx, who, loaded)
    ]
    return PipelineList(items=items)


@router.get("/{name}", summary="Each stage: what it runs, since when, from where, what holds it")
async def get_pipeline(ctx: Ctx, who: Authed, name: Name) -> PipelineOut:
    loop, loaded = await _pipeline(ctx, name)
    await _require_see(ctx, who, loaded)
    now = loop.clock()
    stages = [
        _stage(await service.stage_facts(loop.reader, loaded, s, now))
        for s in loaded.pipeline.stages
    ]
    return PipelineOut(name=name, repo_url=loaded.url, stages=stages)


@router.get("/{name}/promotions", summary="The promotions made, newest first")
async def list_promotions(
    ctx: Ctx,
    who: Authed,
    name: Name,
    stage: Annotated[str | None, Query(max_length=253, description="Only into this stage.")] = None,
) -> PromotionList:
    loop, loaded = await _pipeline(ctx, name)
    await _require_see(ctx, who, loaded)
    return PromotionList(items=[_promotion(r) for r in service.history(loop, name, stage)])


def _message(outcome: ManualOutcome, user: str) -> str:
    rep = outcome.report
    if outcome.promotion is not None:
        record = outcome.promotion
        where = record.pull_request or f"commit {(record.commit or '')[:12]}"
        return f"promoted {record.label} {rep.source.name} -> {rep.target.name}: {where}"
    if rep.source_release.release is None or rep.verdict.up_to_date:
        return f"nothing to promote into {rep.target.name}"
    lead = f"approval by {user} recorded" if outcome.approved else "no new approval recorded"
    return f"{lead}; still held: " + "; ".join(h.message for h in rep.verdict.holds)


@router.post(
    "/{name}/stages/{stage}/approve",
    summary="Approve the release waiting at a stage; promote it once the policy is met",
)
async def approve_stage(
    ctx: Ctx, who: Authed, name: Name, stage: StageName, request: Request
) -> ApproveOut:
    loop, loaded = await _pipeline(ctx, name)
    try:
        target = service.stage_of(loaded, stage)
    except service.PipelineNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
    obj = f"{await service.project_of(ctx.apps, target)}/{name}"
    client = client_of(request)
    may_approve = allowed(ctx, who, "promotions", "approve", obj)
    if not may_approve:
        # A deployer may promote what others approved, but not approve it.
        require(ctx, who, "promotions", "promote", obj, client=client, audit=True)
    roles = ctx.enforcer.roles(who.subject, who.groups) if may_approve else None
    try:
        outcome = await service.approve(loop, loaded, target, who.subject, roles)
    except PipelineError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    message = _message(outcome, who.subject)
    ctx.access.audit.record(
        actor(who),
        "promotions.approve" if may_approve else "promotions.promote",
        f"{obj}/{stage}",
        Outcome.SUCCESS,
        client=client,
        detail={"result": message},
    )
    return ApproveOut(
        pipeline=name,
        stage=stage,
        approved=outcome.approved,
        promoted=outcome.promotion is not None,
        message=message,
        promotion=_promotion(outcome.promotion) if outcome.promotion is not None else None,
        gate=_gate(outcome.report),
    )
