"""`seaway controller`: the reconcile loop against a Kubernetes cluster."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from seaway.cli.kube import DEFAULT_NAMESPACE, Context, Kubeconfig, Namespace, connect, err, run
from seaway.controller.service import Settings, serve


def controller(
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
    interval: Annotated[
        float,
        typer.Option(help="seconds between two checks of Git for new revisions, for every app"),
    ] = 60.0,
    workers: Annotated[int, typer.Option(help="apps reconciled at the same time")] = 2,
    repo_cache: Annotated[
        Path | None, typer.Option(help="where Git mirrors are kept (~/.cache/seaway/repos)")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run the reconcile loop: make the cluster match Git for every Application."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings = Settings(
        namespace=namespace, interval=interval, workers=workers, repo_cache=repo_cache
    )
    err.print(f"seaway controller: Applications in namespace {namespace}, every {interval:g} s")

    async def go() -> None:
        async with connect(kubeconfig, context) as rest:
            await serve(rest, settings)

    run(go())
