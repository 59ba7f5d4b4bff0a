"""`seaway why APP [--stage STAGE]`: in plain words, what each stage runs, since when, where it
came from (a promotion, or a commit such as CI's write-back), and what holds the next
promotion (health, analysis, soak time, approvals, a sync window, a gate, a stop)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

import typer
from rich.console import Console

from seaway.cli import pipeline_remote
from seaway.cli.kube import DEFAULT_NAMESPACE, Context, Kubeconfig, Namespace, run
from seaway.cli.pipeline import (
    PIPELINE_ENV,
    Backend,
    BackendOption,
    DataDirOption,
    PipelineOption,
    RepoCacheOption,
    World,
    fail,
    gate_lines,
    open_world,
    stamp,
)
from seaway.cli.remote import Server, Token
from seaway.controller.pipelines import origin
from seaway.controller.stages import PipelineError, read_stage, report
from seaway.model.pipeline import Stage
from seaway.promote.writeback import BadInputError, WriteBackError
from seaway.source import SourceError

out = Console(highlight=False, soft_wrap=True, markup=False)


async def _origin(world: World, stage: Stage, key: str, revision: str) -> str:
    """Where what the stage runs came from: the promotion that brought it, else the commit."""
    found = await origin(world.reader, world.loaded, stage, key, revision)
    if found is None:
        return "  where it came from is unknown (no commit touched its folder)"
    record = found.promotion
    if record is not None:
        how = "automatically" if record.automatic else f"by {record.by}"
        approved = f", approved by {', '.join(record.approvers)}" if record.approvers else ""
        where = record.pull_request or f"commit {(record.commit or '')[:12]}"
        return (
            f"  since {stamp(record.at)}: promoted from {record.source} {how}{approved} ({where})"
        )
    at = stamp(found.at) if found.at is not None else "an unknown time"
    return f"  since {at}: commit {found.commit[:12]} by {found.author}: {found.subject}"


async def _stage_lines(world: World, stage: Stage, now: dt.datetime) -> list[str]:
    pipeline = world.loaded.pipeline
    branch = pipeline.spec.branch_of(stage)
    here = await asyncio.to_thread(read_stage, world.reader.repos, world.loaded, stage, stage)
    lines = [f"stage {stage.name} ({branch}:{stage.folder}, promotion {stage.promotion.value}):"]
    if here.release is None:
        lines.append(f"  runs nothing Seaway can read: {here.problem}")
    else:
        lines.append(
            f"  runs {here.release.label} ({here.release.describe()}) at commit "
            f"{here.revision[:12]} of {branch}"
        )
        lines.append(await _origin(world, stage, here.release.key, here.revision))
    before = pipeline.before(stage.name)
    if before is None:
        lines.append("  releases reach it from CI (seaway image set), not by promotion")
    else:
        rep = await report(world.reader, world.loaded, stage, now, manual=False)
        lines += ["  " + line for line in gate_lines(rep)]
    return lines


def why_command(
    app: Annotated[str, typer.Argument(help="The pipeline, or an app one of its stages deploys.")],
    pipeline: PipelineOption = "",
    stage: Annotated[
        str | None, typer.Option("--stage", help="Only this stage (default: every stage).")
    ] = None,
    backend: BackendOption = Backend.LOCAL,
    data_dir: DataDirOption = None,
    repo_cache: RepoCacheOption = None,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
    server: Server = None,
    token: Token = None,
) -> None:
    """Say why a stage runs what it runs and what holds the next promotion (with --server, as
    the server's controller sees it)."""
    if server:
        out.print("\n".join(pipeline_remote.why(server, token, app, stage)))
        return
    if not pipeline:
        raise fail(f"say where the pipeline is: --pipeline REPO or {PIPELINE_ENV}", 2)

    async def go() -> list[str]:
        async with open_world(
            app, pipeline, backend, data_dir, repo_cache, (kubeconfig, context, namespace)
        ) as world:
            stages = world.loaded.pipeline.stages
            if stage is not None:
                chosen = world.loaded.pipeline.stage(stage)
                if chosen is None:
                    names = ", ".join(s.name for s in stages)
                    raise fail(
                        f"pipeline {world.loaded.pipeline.name} has no stage {stage!r} ({names})",
                        2,
                    )
                stages = [chosen]
            now = dt.datetime.now(dt.UTC)
            names = " -> ".join(s.name for s in world.loaded.pipeline.stages)
            lines = [f"pipeline {world.loaded.pipeline.name}: {names}"]
            for each in stages:
                lines += await _stage_lines(world, each, now)
            return lines

    try:
        lines = run(go())
    except (PipelineError, BadInputError) as exc:
        raise fail(str(exc), 2) from exc
    except (WriteBackError, SourceError) as exc:
        raise fail(str(exc), 1) from exc
    out.print("\n".join(lines))
