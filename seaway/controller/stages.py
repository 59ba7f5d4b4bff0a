"""What the gate into a stage needs, gathered from the world: the pipeline from its repo, the
release each stage runs (from Git), the apps' status (from where Applications live), the sync
windows of the target's apps and what the store remembers (approvals, soak, stops).

The decision itself is `seaway.promote.gate.judge`; this module only reads.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from seaway.controller.release_gate import AttestationGate
from seaway.controller.stored import AppStore
from seaway.controller.windows import sync_verdict
from seaway.model import AppProject, ManifestError, load_documents, resolve_project
from seaway.model.pipeline import PIPELINE_KINDS, Pipeline, Stage
from seaway.promote.gate import (
    HEALTHY,
    SYNCED,
    Approver,
    AppState,
    GateInput,
    GateVerdict,
    Hold,
    HoldKind,
    RolloutState,
    judge,
)
from seaway.promote.promotion import release_in
from seaway.promote.release import Release
from seaway.promote.windows import hold_message
from seaway.promote.writeback.errors import WriteBackError
from seaway.source import RepoCache, SourceError
from seaway.source.git import run_git
from seaway.store.promotions import PromotionStore

DEFAULT_PIPELINE_FILE = "seaway-pipeline.yaml"


class PipelineError(Exception):
    """A pipeline cannot be read or does not hold what was asked for."""


@dataclass(frozen=True)
class PipelineSource:
    """Where a pipeline file lives: `URL#BRANCH:PATH` (BRANCH main, PATH seaway-pipeline.yaml
    when left out)."""

    url: str
    branch: str = "main"
    path: str = DEFAULT_PIPELINE_FILE

    @classmethod
    def parse(cls, text: str) -> PipelineSource:
        url, hash_, rest = text.rpartition("#")
        if not hash_:
            return cls(text)
        branch, colon, path = rest.partition(":")
        return cls(url, branch or "main", path if colon and path else DEFAULT_PIPELINE_FILE)


@dataclass(frozen=True)
class LoadedPipeline:
    pipeline: Pipeline
    url: str


def load_pipelines(repos: RepoCache, source: PipelineSource) -> list[LoadedPipeline]:
    try:
        sha = repos.resolve(source.url, source.branch)
        root = repos.checkout(source.url, sha)
        text = (root / source.path).read_text(encoding="utf-8")
    except (SourceError, OSError, UnicodeDecodeError) as exc:
        raise PipelineError(
            f"cannot read {source.path} from branch {source.branch} of {source.url}: {exc}"
        ) from exc
    try:
        pipelines = load_documents(text, f"{source.branch}:{source.path}", kinds=PIPELINE_KINDS)
    except ManifestError as exc:
        raise PipelineError(str(exc)) from exc
    return [LoadedPipeline(p, p.spec.repo_url or source.url) for p in pipelines]


def find_pipeline(loaded: list[LoadedPipeline], app: str) -> LoadedPipeline:
    """The pipeline named `app`, or the one with a stage that deploys the app `app`."""
    for item in loaded:
        if item.pipeline.name == app or item.pipeline.stage_of_app(app) is not None:
            return item
    names = ", ".join(item.pipeline.name for item in loaded) or "none"
    raise PipelineError(f"no pipeline is named {app!r} or deploys an app of that name ({names})")


@dataclass(frozen=True)
class StageRelease:
    release: Release | None
    revision: str
    problem: str = ""


def read_stage(
    repos: RepoCache, loaded: LoadedPipeline, stage: Stage, rules: Stage
) -> StageRelease:
    """The release at the head of the stage's branch, made of what the `rules` stage (the one
    it goes to) names (blocking: call in a thread)."""
    branch = loaded.pipeline.spec.branch_of(stage)
    try:
        sha = repos.resolve(loaded.url, branch)
        root = repos.checkout(loaded.url, sha)
        return StageRelease(release_in(root, loaded.pipeline, stage, rules), sha)
    except (SourceError, WriteBackError, OSError) as exc:
        return StageRelease(None, "", f"stage {stage.name}: {exc}")


def release_at(
    repos: RepoCache, loaded: LoadedPipeline, stage: Stage, rules: Stage, sha: str
) -> str:
    """The key of the release the stage ran at commit `sha`, or "" if unreadable."""
    try:
        return release_in(repos.checkout(loaded.url, sha), loaded.pipeline, stage, rules).key
    except (SourceError, WriteBackError, OSError, ValueError):
        return ""


def _rollouts(status: Mapping[str, Any]) -> tuple[RolloutState, ...]:
    found = []
    for res in status.get("resources") or []:
        if res.get("kind") == "Rollout" and str(res.get("group", "")) == "argoproj.io":
            health = res.get("health") or {}
            message = str(health.get("message", ""))
            found.append(
                RolloutState(
                    str(res.get("name", "")),
                    str(health.get("status", "")),
                    message,
                    aborted="abort" in message.lower(),
                )
            )
    return tuple(found)


def app_state(name: str, status: Mapping[str, Any] | None) -> AppState:
    if status is None:
        return AppState(name, found=False)
    health = status.get("health") or {}
    sync = status.get("sync") or {}
    return AppState(
        name,
        health=str(health.get("status", "")),
        health_message=str(health.get("message", "") or ""),
        sync=str(sync.get("status", "")),
        revision=str(sync.get("revision", "")),
        rollouts=_rollouts(status),
    )


@dataclass
class StageReader:
    """Reads, for one pipeline, what the gate into one stage needs."""

    apps: AppStore
    repos: RepoCache
    store: PromotionStore
    attestations: AttestationGate | None = None

    async def app_states(
        self, loaded: LoadedPipeline, stage: Stage, rules: Stage, head: str
    ) -> tuple[AppState, ...]:
        states = []
        for name in stage.apps:
            stored = await self.apps.app(name)
            state = app_state(name, None if stored is None else stored.status)
            if state.sync == SYNCED and head and state.revision and state.revision != head:
                # A commit that changed nothing of this stage's release (another stage's
                # promotion, in a folders layout) does not make the stage stale.
                at_app, at_head = await asyncio.gather(
                    asyncio.to_thread(release_at, self.repos, loaded, stage, rules, state.revision),
                    asyncio.to_thread(release_at, self.repos, loaded, stage, rules, head),
                )
                if at_app and at_app == at_head:
                    state = replace(state, revision=head)
            states.append(state)
        return tuple(states)

    async def window_hold(self, stage: Stage, now: dt.datetime, *, manual: bool) -> Hold | None:
        projects: list[AppProject] = await self.apps.projects()
        for name in stage.apps:
            stored = await self.apps.app(name)
            if stored is None or stored.app is None:
                continue
            project = resolve_project(stored.app.spec.project_name, projects)
            if project is None:
                continue
            result = sync_verdict(stored.app, project, now, manual=manual)
            if not result.allowed:
                lead = f"promotion into {stage.name} held (app {name})"
                return Hold(HoldKind.WINDOW, hold_message(result, lead), until=result.opens_at)
        return None

    def soak_start(
        self,
        loaded: LoadedPipeline,
        source: Stage,
        states: tuple[AppState, ...],
        head: str,
        now: dt.datetime,
    ) -> dt.datetime | None:
        """When the source stage became Healthy at `head`, noted the first time it is seen so
        (and forgotten when it is not)."""
        healthy = bool(states) and all(
            s.health == HEALTHY and s.sync == SYNCED and s.revision == head for s in states
        )
        return self.store.healthy_since(
            loaded.pipeline.name, source.name, head, now if healthy else None
        )

    def approvers(self, pipeline: str, stage: str, release: Release | None) -> tuple[Approver, ...]:
        if release is None:
            return ()
        return tuple(
            Approver(a.user, a.roles, a.at)
            for a in self.store.approvals(pipeline, stage, release.key)
        )


@dataclass(frozen=True)
class StageReport:
    """The gate into `target`, as judged, with what it was judged on."""

    loaded: LoadedPipeline
    source: Stage
    target: Stage
    source_release: StageRelease
    target_release: StageRelease
    gate: GateInput
    verdict: GateVerdict


async def report(
    reader: StageReader,
    loaded: LoadedPipeline,
    target: Stage,
    now: dt.datetime,
    *,
    manual: bool,
    gates: tuple[Hold, ...] = (),
) -> StageReport:
    """Judge the gate into `target`; `manual` for a person's promotion (no automatic stop,
    manualSync windows let it through)."""
    pipeline = loaded.pipeline
    source = pipeline.before(target.name)
    if source is None:
        raise PipelineError(
            f"stage {target.name} is the first of pipeline {pipeline.name}: releases reach it "
            "from CI (seaway image set), not by promotion"
        )
    from_release, to_release = await asyncio.gather(
        asyncio.to_thread(read_stage, reader.repos, loaded, source, target),
        asyncio.to_thread(read_stage, reader.repos, loaded, target, target),
    )
    states = await reader.app_states(loaded, source, target, from_release.revision)
    if reader.attestations is not None and from_release.release is not None:
        gates += await asyncio.to_thread(reader.attestations.holds, target, from_release.release)
    elif target.checks.attestation_policy:
        gates += (
            Hold(
                HoldKind.GATE,
                f"attestation policy {target.checks.attestation_policy!r} cannot be checked "
                "here: no attestation policies are configured",
            ),
        )
    since = reader.soak_start(loaded, source, states, from_release.revision, now)
    stopped = ""
    if not manual and from_release.release is not None:
        stop = reader.store.stopped(pipeline.name, target.name, from_release.release.key)
        if stop is not None:
            stopped = f"automated promotion stopped at {stop.at:%Y-%m-%dT%H:%M:%SZ}: {stop.reason}"
    gate = GateInput(
        target=target,
        source=source,
        release=from_release.release,
        revision=from_release.revision,
        current=to_release.release,
        apps=states,
        healthy_since=since,
        now=now,
        approvals=reader.approvers(pipeline.name, target.name, from_release.release),
        window=await reader.window_hold(target, now, manual=manual),
        gates=gates,
        stopped=stopped,
    )
    return StageReport(loaded, source, target, from_release, to_release, gate, judge(gate))


@dataclass(frozen=True)
class Change:
    """The last commit that changed a stage's folder."""

    commit: str
    author: str
    at: dt.datetime
    subject: str


def last_change(repos: RepoCache, url: str, sha: str, folder: str) -> Change | None:
    """The newest commit up to `sha` that touched `folder` (blocking: call in a thread)."""
    try:
        repos.ensure(url, sha)
        text = run_git(
            ["log", "-1", "--format=%H%x00%an <%ae>%x00%cI%x00%s", sha, "--", folder],
            url=url,
            git_dir=repos.mirror_path(url),
        ).strip()
    except SourceError:
        return None
    if not text:
        return None
    commit, author, at, subject = text.split("\x00", 3)
    return Change(commit, author, dt.datetime.fromisoformat(at), subject)
