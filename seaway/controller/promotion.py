"""Promotion in the controller: the loop that carries releases through auto stages (and
through manual stages once their approvals are in), and the approve-then-promote step that
`seaway promote` runs for a person.

Each round judges every gate of every pipeline in stage order. A ready gate promotes (one
commit, or a pull request); a failed check of the stage before is recorded as a stop, and that
release goes no further by itself; a person may still promote it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from seaway.controller.release_gate import AttestationGate
from seaway.controller.stages import (
    LoadedPipeline,
    PipelineError,
    PipelineSource,
    StageReader,
    StageReport,
    load_pipelines,
    report,
)
from seaway.controller.stored import AppStore
from seaway.model.pipeline import Stage
from seaway.notify import Hub, Trigger, emit
from seaway.promote.gate import Approver, HoldKind, approval_policy, counted, judge
from seaway.promote.promotion import PromotionRequest, promote
from seaway.promote.writeback.errors import WriteBackError
from seaway.promote.writeback.repo import Author
from seaway.source import RepoCache, SourceError
from seaway.source.credentials import Credentials
from seaway.store.promotions import (
    ApprovalRecord,
    PromotionRecord,
    PromotionStore,
    StopRecord,
)

log = logging.getLogger("seaway.controller.promotion")

AUTOMATIC_USER = "seaway"
PROMOTION_WAITING_EVENT = "promotion.waiting"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Promoter:
    """Carries out a promotion a gate allowed, and records it."""

    reader: StageReader
    author: Author = field(default_factory=lambda: Author("Seaway", "seaway@localhost"))
    credentials: Credentials | None = None
    # For pipelines that open pull requests (SEAWAY_PR_TOKEN).
    token: str | None = None
    attempts: int = 5
    backoff: float = 0.5

    async def promote(
        self, rep: StageReport, *, by: str, automatic: bool, now: dt.datetime
    ) -> PromotionRecord:
        release = rep.source_release.release
        if release is None:
            raise PipelineError(rep.source_release.problem or "no release to promote")
        pipeline = rep.loaded.pipeline
        request = PromotionRequest(
            pipeline=pipeline,
            source=rep.source,
            target=rep.target,
            release=release,
            url=rep.loaded.url,
            author=self.author,
            approvers=_approvers(rep),
            source_revision=rep.source_release.revision,
            credentials=self.credentials,
            attempts=self.attempts,
            backoff=self.backoff,
            pull_request=pipeline.spec.pull_request,
            token=self.token,
        )
        outcome = await asyncio.to_thread(promote, request)
        record = PromotionRecord(
            pipeline=pipeline.name,
            source=rep.source.name,
            target=rep.target.name,
            release=release.key,
            label=release.label,
            images=tuple(str(image) for image in release.images),
            commit=outcome.commit,
            by=by,
            at=now,
            approvers=request.approvers,
            automatic=automatic,
            pull_request=outcome.pull_request.url if outcome.pull_request else "",
        )
        self.reader.store.record_promotion(record)
        log.info("%s (%s)", outcome.message.splitlines()[0], (outcome.commit or "")[:12])
        return record


def _approvers(rep: StageReport) -> tuple[str, ...]:
    """Who approved, as the commit's trailers name them: only the approvals that counted."""
    policy = approval_policy(rep.target)
    if policy is None:
        return tuple(a.user for a in rep.gate.approvals)
    return tuple(a.user for a in counted(policy, rep.gate.approvals))


@dataclass(frozen=True)
class StepResult:
    pipeline: str
    stage: str
    # promoted, held, stopped, up-to-date, error
    action: str
    detail: str = ""


@dataclass
class PromotionLoop:
    promoter: Promoter
    sources: list[PipelineSource]
    interval: float = 10.0
    clock: Callable[[], dt.datetime] = _now
    # Where on-promotion-waiting is published (None: the process's hub).
    hub: Hub | None = None
    _announced: set[tuple[str, str, str]] = field(default_factory=set, repr=False)

    @property
    def reader(self) -> StageReader:
        return self.promoter.reader

    async def pipelines(self) -> list[LoadedPipeline]:
        loaded: list[LoadedPipeline] = []
        for source in self.sources:
            try:
                loaded += await asyncio.to_thread(load_pipelines, self.reader.repos, source)
            except PipelineError as exc:
                log.error("pipeline not loaded: %s", exc)
        return loaded

    async def step(self) -> list[StepResult]:
        """One round over every pipeline."""
        results: list[StepResult] = []
        for loaded in await self.pipelines():
            results += await self.step_pipeline(loaded)
        return results

    async def step_pipeline(self, loaded: LoadedPipeline) -> list[StepResult]:
        results = []
        for target in loaded.pipeline.stages[1:]:
            try:
                results.append(await self._gate(loaded, target))
            except (PipelineError, WriteBackError, SourceError) as exc:
                log.error("pipeline %s, stage %s: %s", loaded.pipeline.name, target.name, exc)
                results.append(StepResult(loaded.pipeline.name, target.name, "error", str(exc)))
        return results

    async def _gate(self, loaded: LoadedPipeline, target: Stage) -> StepResult:
        name = loaded.pipeline.name
        now = self.clock()
        rep = await report(self.reader, loaded, target, now, manual=False)
        verdict = rep.verdict
        if verdict.up_to_date:
            return StepResult(name, target.name, "up-to-date")
        if verdict.ready:
            record = await self.promoter.promote(rep, by=AUTOMATIC_USER, automatic=True, now=now)
            return StepResult(name, target.name, "promoted", record.commit or record.pull_request)
        failed = [h for h in verdict.failed if h.kind is not HoldKind.STOPPED]
        release = rep.source_release.release
        if failed and release is not None and not rep.gate.stopped:
            reason = "; ".join(h.message for h in failed)
            self.reader.store.stop(StopRecord(name, target.name, release.key, reason, now))
            log.warning("pipeline %s stopped before %s: %s", name, target.name, reason)
            return StepResult(name, target.name, "stopped", reason)
        if any(h.kind is HoldKind.APPROVAL for h in verdict.holds):
            self._announce(rep)
        return StepResult(name, target.name, "held", "; ".join(h.message for h in verdict.holds))

    def _announce(self, rep: StageReport) -> None:
        """on-promotion-waiting, once per release and stage (the loop sees it every round)."""
        release = rep.source_release.release
        if release is None:
            return
        key = (rep.loaded.pipeline.name, rep.target.name, release.key)
        if key in self._announced:
            return
        self._announced.add(key)
        holds = "; ".join(h.message for h in rep.verdict.holds)
        emit(
            PROMOTION_WAITING_EVENT,
            rep.target.apps[0] if rep.target.apps else rep.loaded.pipeline.name,
            trigger=Trigger.PROMOTION_WAITING,
            message=f"{release.label} waits for approval to enter {rep.target.name}: {holds}",
            hub=self.hub,
            revision=rep.source_release.revision,
            pipeline=rep.loaded.pipeline.name,
            stage=rep.target.name,
            source=rep.source.name,
            release=release.label,
        )

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    await self.step()
                except Exception:
                    log.exception("a promotion round failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.interval)
        finally:
            self.reader.store.close()


@dataclass(frozen=True)
class ManualOutcome:
    report: StageReport
    approved: bool
    promotion: PromotionRecord | None = None


async def approve_and_promote(
    promoter: Promoter,
    loaded: LoadedPipeline,
    target: Stage,
    approver: Approver | None,
    *,
    by: str,
    now: dt.datetime,
) -> ManualOutcome:
    """A person's `seaway promote`: record their approval of the release waiting at `target`
    (unless `approver` is None: one who may promote but not approve), and promote it if
    nothing else holds it."""
    store = promoter.reader.store
    rep = await report(promoter.reader, loaded, target, now, manual=True)
    release = rep.source_release.release
    if release is None or rep.verdict.up_to_date:
        return ManualOutcome(rep, approved=False)
    approved = False
    if approver is not None:
        approved = store.approve(
            ApprovalRecord(
                loaded.pipeline.name, target.name, release.key, approver.user, approver.roles, now
            )
        )
        approvals = promoter.reader.approvers(loaded.pipeline.name, target.name, release)
        gate = replace(rep.gate, approvals=approvals)
        rep = replace(rep, gate=gate, verdict=judge(gate))
    if not rep.verdict.ready:
        return ManualOutcome(rep, approved)
    record = await promoter.promote(rep, by=by, automatic=False, now=now)
    return ManualOutcome(rep, approved, record)


def approver(user: str, roles: tuple[str, ...], at: dt.datetime) -> Approver:
    """A person's approval for `approve_and_promote`, for callers that do not import promote
    (the API's pipeline page)."""
    return Approver(user, roles, at)


PR_TOKEN_ENV = "SEAWAY_PR_TOKEN"  # noqa: S105 - the variable's name, not a token


def promotion_loop(
    apps: AppStore,
    repos: RepoCache,
    db: Path,
    sources: tuple[str, ...],
    interval: float,
    *,
    attestations: AttestationGate | None = None,
) -> PromotionLoop | None:
    """The loop over the pipelines named `URL#BRANCH:PATH`, records in `db`; None if none."""
    if not sources:
        return None
    reader = StageReader(apps, repos, PromotionStore(db), attestations)
    promoter = Promoter(reader, token=os.environ.get(PR_TOKEN_ENV) or None)
    return PromotionLoop(promoter, [PipelineSource.parse(s) for s in sources], interval)
