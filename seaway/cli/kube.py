"""What the Kubernetes-facing commands share: connection options and running coroutines."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from seaway.cluster.kubernetes import KubeError, KubeRest

T = TypeVar("T")

err = Console(stderr=True)
out = Console()

Kubeconfig = Annotated[
    Path | None,
    typer.Option(
        "--kubeconfig",
        envvar="KUBECONFIG",
        help="kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)",
        show_default=False,
    ),
]
Context = Annotated[str | None, typer.Option("--context", help="kubeconfig context")]
Namespace = Annotated[
    str,
    typer.Option(
        "--namespace",
        "-n",
        envvar="SEAWAY_NAMESPACE",
        help="namespace holding Applications and AppProjects",
    ),
]
DEFAULT_NAMESPACE = "seaway"


def connect(kubeconfig: Path | None, context: str | None) -> KubeRest:
    # KUBECONFIG may name several files; lightkube reads the first.
    if kubeconfig is not None and os.pathsep in str(kubeconfig):
        kubeconfig = Path(str(kubeconfig).split(os.pathsep)[0])
    try:
        return KubeRest.from_kubeconfig(kubeconfig, context)
    except (KubeError, OSError, ValueError) as exc:
        err.print(f"[red]cannot read the kubeconfig[/red]: {exc}")
        raise typer.Exit(2) from exc
    except Exception as exc:
        # lightkube raises its own ConfigError when no kubeconfig is found at all.
        err.print(f"[red]no usable kubeconfig[/red]: {exc} (set --kubeconfig or KUBECONFIG)")
        raise typer.Exit(2) from exc


def run(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except KubeError as exc:
        err.print(f"[red]the API server said[/red]: {exc}")
        raise typer.Exit(1) from exc
