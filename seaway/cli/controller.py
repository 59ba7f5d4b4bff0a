"""`seaway controller`: the reconcile loop, against a Kubernetes cluster or this host."""

from __future__ import annotations

import asyncio
import logging
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from seaway.cli.kube import DEFAULT_NAMESPACE, Context, Kubeconfig, Namespace, connect, err, run
from seaway.controller.service import Settings, default_data_dir, serve, serve_local


class Backend(StrEnum):
    KUBERNETES = "kubernetes"
    LOCAL = "local"


def controller(
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
    backend: Annotated[
        Backend, typer.Option(help="where apps run: a Kubernetes cluster, or this host")
    ] = Backend.KUBERNETES,
    apps: Annotated[
        list[Path] | None,
        typer.Option(
            "--apps",
            help="files or folders of Applications (the local backend reads its apps here)",
        ),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="state of the local backend (~/.local/share/seaway)")
    ] = None,
    interval: Annotated[
        float,
        typer.Option(help="seconds between two checks of Git for new revisions, for every app"),
    ] = 60.0,
    workers: Annotated[int, typer.Option(help="apps reconciled at the same time")] = 2,
    repo_cache: Annotated[
        Path | None, typer.Option(help="where Git mirrors are kept (~/.cache/seaway/repos)")
    ] = None,
    attestation_policy_dir: Annotated[
        Path | None,
        typer.Option(
            help="folder of attestation policies (NAME.yaml) that the annotation "
            "seaway.dev/attestation-policy: NAME on an AppProject or Application enforces"
        ),
    ] = None,
    insecure_registry: Annotated[
        list[str] | None,
        typer.Option("--insecure-registry", help="registry HOST:PORT reached over plain HTTP"),
    ] = None,
    image_poll_interval: Annotated[
        float,
        typer.Option(
            help="seconds between two polls of the image registries that apps list "
            "(argocd-image-updater.argoproj.io/image-list); 0 polls nothing"
        ),
    ] = 0.0,
    pipeline: Annotated[
        list[str] | None,
        typer.Option(
            "--pipeline",
            help="a stage pipeline to promote through: REPO[#BRANCH[:PATH]] "
            "(main, seaway-pipeline.yaml); repeat for more",
        ),
    ] = None,
    sealing_keys: Annotated[
        Path | None,
        typer.Option(
            "--sealing-keys",
            help="key store (seaway secret keygen --dir) that SealedSecrets are opened with at "
            "sync (<data-dir>/sealing-keys)",
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run the reconcile loop: make the target match Git for every Application."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings = Settings(
        namespace=namespace,
        interval=interval,
        workers=workers,
        repo_cache=repo_cache,
        attestation_policy_dir=attestation_policy_dir,
        insecure_registries=tuple(insecure_registry or ()),
        image_poll_interval=image_poll_interval,
        pipelines=tuple(pipeline or ()),
        sealing_keys=sealing_keys,
    )
    if backend is Backend.LOCAL:
        if not apps:
            err.print("[red]the local backend needs --apps FILE_OR_FOLDER[/red] (its Applications)")
            raise typer.Exit(2)
        where = data_dir or default_data_dir()
        err.print(
            f"seaway controller: local backend, apps from {', '.join(map(str, apps))}, "
            f"state in {where}"
        )
        asyncio.run(serve_local(where, apps, settings))
        return
    err.print(
        f"seaway controller: Applications in namespace {namespace}, every {interval:g} s"
        + (f"; apps from {', '.join(map(str, apps))} kept there" if apps else "")
    )

    async def go() -> None:
        async with connect(kubeconfig, context) as rest:
            await serve(rest, settings, apps)

    run(go())
