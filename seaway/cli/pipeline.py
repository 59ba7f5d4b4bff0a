"""What `seaway promote` and `seaway why` share: where the pipeline, the apps' status and the
promotion records are, and how a gate is said in words."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from seaway.cli.image import credentials_from_env
from seaway.cli.kube import connect, err
from seaway.controller.file_apps import FileApps
from seaway.controller.kube_apps import KubeApps
from seaway.controller.promotion import Promoter
from seaway.controller.service import default_data_dir
from seaway.controller.stages import (
    LoadedPipeline,
    PipelineSource,
    StageReader,
    StageReport,
    find_pipeline,
    load_pipelines,
)
from seaway.controller.stored import AppStore
from seaway.promote.gate import Hold
from seaway.promote.writeback import author_from_env
from seaway.source import RepoCache
from seaway.store.promotions import PromotionStore
from seaway.store.sqlite import Store

PIPELINE_ENV = "SEAWAY_PIPELINE"
PR_TOKEN_ENV = "SEAWAY_PR_TOKEN"  # noqa: S105 - the variable's name, not a token
DB_FILE = "seaway.db"


class Backend(StrEnum):
    LOCAL = "local"
    KUBERNETES = "kubernetes"


PipelineOption = Annotated[
    str,
    typer.Option(
        "--pipeline",
        envvar=PIPELINE_ENV,
        help="the pipeline file: REPO[#BRANCH[:PATH]] (main, seaway-pipeline.yaml), "
        "REPO a URL or a local path",
        show_default=False,
    ),
]
BackendOption = Annotated[
    Backend, typer.Option(help="where the apps' status is: this host's store, or a cluster")
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(help="Seaway's state: the local store and promotion records"),
]
RepoCacheOption = Annotated[Path | None, typer.Option(help="where Git mirrors are kept")]


def pipeline_source(text: str) -> PipelineSource:
    source = PipelineSource.parse(text)
    url = source.url
    if "://" not in url and not url.startswith("git@") and Path(url).exists():
        url = Path(url).resolve().as_uri()
    return PipelineSource(url, source.branch, source.path)


@dataclass
class World:
    reader: StageReader
    promoter: Promoter
    loaded: LoadedPipeline


@contextlib.asynccontextmanager
async def open_world(
    app: str,
    pipeline: str,
    backend: Backend,
    data_dir: Path | None,
    repo_cache: Path | None,
    kube: tuple[Path | None, str | None, str] = (None, None, "seaway"),
) -> AsyncIterator[World]:
    where = (data_dir or default_data_dir()).expanduser()
    repos = RepoCache(repo_cache or where / "repos")
    loaded = find_pipeline(load_pipelines(repos, pipeline_source(pipeline)), app)
    records = PromotionStore(where / DB_FILE)
    try:
        async with _apps(backend, where, kube) as apps:
            reader = StageReader(apps, repos, records)
            promoter = Promoter(
                reader,
                author=author_from_env(),
                credentials=credentials_from_env(),
                token=os.environ.get(PR_TOKEN_ENV) or None,
            )
            yield World(reader, promoter, loaded)
    finally:
        records.close()


@contextlib.asynccontextmanager
async def _apps(
    backend: Backend, where: Path, kube: tuple[Path | None, str | None, str]
) -> AsyncIterator[AppStore]:
    if backend is Backend.LOCAL:
        store = Store(where / DB_FILE)
        try:
            yield FileApps(store, [])
        finally:
            store.close()
        return
    kubeconfig, context, namespace = kube
    async with connect(kubeconfig, context) as rest:
        yield KubeApps(rest, namespace)


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def hold_lines(holds: tuple[Hold, ...]) -> list[str]:
    return [f"  - {hold.kind.value}: {hold.message}" for hold in holds]


def gate_lines(rep: StageReport) -> list[str]:
    """The gate into a stage, in words."""
    source, target = rep.source.name, rep.target.name
    release = rep.source_release.release
    if release is None:
        return [f"{source} has no release to promote: {rep.source_release.problem}"]
    what = f"{release.label} ({release.describe()})"
    if rep.verdict.up_to_date:
        return [f"{target} already runs what {source} runs: {what}"]
    mode = rep.target.promotion.value
    if rep.verdict.ready:
        return [f"{source} runs {what}; promotion into {target} ({mode}) may go ahead now"]
    lines = [f"{source} runs {what}; promotion into {target} ({mode}) is held by:"]
    return lines + hold_lines(rep.verdict.holds)


def fail(message: str, code: int) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    return typer.Exit(code)
