"""The stage pipelines as their page shows them: per stage the release it runs (its images),
its apps' health, and the gate into it as the promotion loop judges it (what holds it, who
approved), read through the controller's own stage reader; nothing is decided here."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from seaway.api.ui import badges
from seaway.controller.promotion import PromotionLoop
from seaway.controller.stages import LoadedPipeline, StageRelease, app_state, read_stage, report
from seaway.model.pipeline import Promotion, Stage


@dataclass(frozen=True)
class AppView:
    name: str
    health: badges.Badge
    sync: badges.Badge


@dataclass(frozen=True)
class GateView:
    source: str
    up_to_date: bool
    ready: bool
    holds: tuple[tuple[str, str, bool], ...]  # kind, message, failed
    approvals: tuple[str, ...]
    incoming: str
    # A person's turn: a manual stage with a release waiting at its gate.
    waiting: bool


@dataclass(frozen=True)
class StageView:
    name: str
    promotion: str
    where: str
    apps: tuple[AppView, ...]
    release: str
    images: tuple[str, ...]
    problem: str
    gate: GateView | None


@dataclass(frozen=True)
class PipelineView:
    name: str
    url: str
    stages: tuple[StageView, ...]


def _label(found: StageRelease) -> str:
    return found.release.label if found.release is not None else ""


async def _gate(loop: PromotionLoop, loaded: LoadedPipeline, target: Stage) -> GateView:
    manual = target.promotion is Promotion.MANUAL
    rep = await report(loop.reader, loaded, target, loop.clock(), manual=manual)
    verdict = rep.verdict
    return GateView(
        source=rep.source.name,
        up_to_date=verdict.up_to_date,
        ready=verdict.ready,
        holds=tuple((str(h.kind), h.message, h.failed) for h in verdict.holds),
        approvals=tuple(a.user for a in rep.gate.approvals),
        incoming=_label(rep.source_release),
        waiting=manual and rep.source_release.release is not None and not verdict.up_to_date,
    )


async def _stage(loop: PromotionLoop, loaded: LoadedPipeline, stage: Stage) -> StageView:
    found = await asyncio.to_thread(read_stage, loop.reader.repos, loaded, stage, stage)
    apps = []
    for name in stage.apps:
        stored = await loop.reader.apps.app(name)
        state = app_state(name, None if stored is None else stored.status)
        apps.append(AppView(name, badges.health(state.health), badges.sync(state.sync)))
    first = loaded.pipeline.before(stage.name) is None
    return StageView(
        name=stage.name,
        promotion=str(stage.promotion),
        where=f"{loaded.pipeline.spec.branch_of(stage)}:{stage.folder}",
        apps=tuple(apps),
        release=_label(found),
        images=tuple(str(i) for i in found.release.images) if found.release else (),
        problem=found.problem,
        gate=None if first else await _gate(loop, loaded, stage),
    )


async def pipelines(loop: PromotionLoop) -> list[PipelineView]:
    views = []
    for loaded in await loop.pipelines():
        stages = [await _stage(loop, loaded, s) for s in loaded.pipeline.stages]
        views.append(PipelineView(loaded.pipeline.name, loaded.url, tuple(stages)))
    return views
