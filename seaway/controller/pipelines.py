"""The stage pipelines as the API (and the web UI) serve them: what each stage runs, since when
and where from, what holds the gate into it, and a person's approval. The same facts
`seaway why` prints and the same step `seaway promote` takes, read through the controller's
promotion loop; nothing here decides a gate (that is `seaway.promote.gate.judge`)."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from seaway.controller.promotion import ManualOutcome, PromotionLoop, approve_and_promote, approver
from seaway.controller.stages import (
    LoadedPipeline,
    PipelineError,
    StageReader,
    StageReport,
    last_change,
    read_stage,
    report,
)
from seaway.controller.stored import AppStore
from seaway.model.pipeline import Promotion, Stage
from seaway.store.promotions import PromotionRecord


class PipelineNotFound(PipelineError):
    """No pipeline, or no stage, of the name asked for."""


@dataclass(frozen=True)
class Origin:
    """Where what a stage runs came from: a promotion Seaway made, else the last commit that
    touched the stage's folder (CI's write-back, a person's push)."""

    at: dt.datetime | None = None
    promotion: PromotionRecord | None = None
    commit: str = ""
    author: str = ""
    subject: str = ""


@dataclass(frozen=True)
class StageFacts:
    stage: Stage
    branch: str
    release: str
    images: tuple[str, ...]
    revision: str
    problem: str
    origin: Origin | None
    # The gate into the stage; None for the first stage (CI feeds it).
    gate: StageReport | None


async def find(loop: PromotionLoop, name: str) -> LoadedPipeline:
    for loaded in await loop.pipelines():
        if loaded.pipeline.name == name:
            return loaded
    raise PipelineNotFound(f"no pipeline {name!r}")


def stage_of(loaded: LoadedPipeline, name: str) -> Stage:
    stage = loaded.pipeline.stage(name)
    if stage is None:
        names = ", ".join(s.name for s in loaded.pipeline.stages)
        raise PipelineNotFound(f"pipeline {loaded.pipeline.name} has no stage {name!r} ({names})")
    return stage


async def project_of(apps: AppStore, stage: Stage) -> str:
    """The project of the stage's apps (the first one found), for RBAC objects
    `<project>/<pipeline>` as `seaway promote` checks them."""
    for name in stage.apps:
        stored = await apps.app(name)
        if stored is not None and stored.app is not None:
            return stored.app.spec.project_name or "default"
    return "default"


async def origin(
    reader: StageReader, loaded: LoadedPipeline, stage: Stage, key: str, revision: str
) -> Origin | None:
    """The promotion that brought release `key` into the stage, else the last commit to its
    folder; None when neither is known."""
    for record in reader.store.promotions(loaded.pipeline.name, stage.name):
        if record.release == key:
            return Origin(at=record.at, promotion=record, commit=record.commit or "")
    change = await asyncio.to_thread(last_change, reader.repos, loaded.url, revision, stage.folder)
    if change is None:
        return None
    return Origin(at=change.at, commit=change.commit, author=change.author, subject=change.subject)


async def stage_facts(
    reader: StageReader, loaded: LoadedPipeline, stage: Stage, now: dt.datetime
) -> StageFacts:
    here = await asyncio.to_thread(read_stage, reader.repos, loaded, stage, stage)
    release = here.release
    found = None
    if release is not None:
        found = await origin(reader, loaded, stage, release.key, here.revision)
    gate = None
    if loaded.pipeline.before(stage.name) is not None:
        gate = await report(reader, loaded, stage, now, manual=False)
    return StageFacts(
        stage=stage,
        branch=loaded.pipeline.spec.branch_of(stage),
        release=release.label if release is not None else "",
        images=tuple(str(i) for i in release.images) if release is not None else (),
        revision=here.revision,
        problem=here.problem,
        origin=found,
        gate=gate,
    )


def waiting(rep: StageReport) -> bool:
    """A person's turn: a manual stage with a release at its gate."""
    return (
        rep.target.promotion is Promotion.MANUAL
        and rep.source_release.release is not None
        and not rep.verdict.up_to_date
    )


async def approve(
    loop: PromotionLoop,
    loaded: LoadedPipeline,
    target: Stage,
    user: str,
    roles: tuple[str, ...] | None,
) -> ManualOutcome:
    """A person's approval at `target` with their `roles` (None: they may promote what others
    approved but not approve), promoting once the stage's policy is met."""
    now = loop.clock()
    person = None if roles is None else approver(user, roles, now)
    return await approve_and_promote(loop.promoter, loaded, target, person, by=user, now=now)


def history(loop: PromotionLoop, pipeline: str, stage: str | None = None) -> list[PromotionRecord]:
    return loop.reader.store.promotions(pipeline, stage)
