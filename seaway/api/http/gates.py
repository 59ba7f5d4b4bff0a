"""/api/v1/attestations (an image's verdict against a named policy, as a sync would judge it)
and /api/v1/gates (the recent refusals of the admission gate, as the events it publishes).

The policies are the controller's (`--attestation-policy-dir`): a request names one, it cannot
send one. RBAC: resource `gates`, action `get`; refusals are shown per app (`<project>/<app>`),
a verdict for any image needs `gates get` on `*/*` (it is not tied to one app).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from seaway.api.http.deps import Authed, Ctx, allowed, require
from seaway.api.http.pipeline_schemas import GateEventList, GateEventOut
from seaway.api.http.schemas import Out, errors
from seaway.controller.admission import GATE_REFUSED_EVENT, Admission, VerdictError

router = APIRouter(prefix="/api/v1", tags=["gates"], responses=errors(401, 403))


class AttestationVerdictOut(Out):
    image: str
    policy: str
    stage: str
    digest: str
    allowed: bool
    satisfied: list[str]
    missing: list[str]
    problems: list[str]


@router.get(
    "/attestations",
    summary="Whether an image carries what a named policy requires",
    responses=errors(404, 409),
)
async def attestation_verdict(
    ctx: Ctx,
    who: Authed,
    image: Annotated[str, Query(min_length=1, max_length=1024, description="An image reference.")],
    policy: Annotated[
        str, Query(min_length=1, max_length=253, description="A policy of the controller's.")
    ],
    stage: Annotated[
        str, Query(max_length=253, description="The policy's stage (optional if it has one).")
    ] = "",
) -> AttestationVerdictOut:
    require(ctx, who, "gates", "get", "*/*")
    admission = ctx.controller.reconciler.comparer.admission
    if not isinstance(admission, Admission):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="this server checks no attestations")
    try:
        verdict = await asyncio.to_thread(admission.verdict, image, policy, stage)
    except VerdictError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"{image}: {exc}") from None
    return AttestationVerdictOut(
        image=image,
        policy=policy,
        stage=verdict.stage,
        digest=verdict.digest,
        allowed=verdict.allowed,
        satisfied=list(verdict.satisfied),
        missing=list(verdict.missing),
        problems=list(verdict.problems),
    )


@router.get("/gates", summary="Recent refusals of the admission gate, oldest first")
async def gate_refusals(
    ctx: Ctx,
    who: Authed,
    app: Annotated[str | None, Query(max_length=253, description="Only this app's.")] = None,
) -> GateEventList:
    items = [
        GateEventOut(
            id=e.id,
            app=e.app,
            project=e.project,
            image=str(e.detail.get("image", "")),
            reason=e.message,
            at=e.at,
        )
        for e in ctx.hub.recent(app=app)
        if e.kind == GATE_REFUSED_EVENT
        and allowed(ctx, who, "gates", "get", f"{e.project or 'default'}/{e.app}")
    ]
    return GateEventList(items=items)
