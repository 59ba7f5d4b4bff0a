"""`seaway rollout ... --kubeconfig/--context`: the same commands against a cluster.

An Application's Rollouts are found by its tracking label in any namespace; a command is queued
on the Rollout through the Kubernetes rollout target (an annotation the controller's driver
takes on its next pass).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from seaway.cli.kube import connect, err, run
from seaway.cluster.kubernetes import KubeRest, UnknownKind
from seaway.model.tracking import APP_LABEL, is_tracked_by, label_value
from seaway.rollout.engine.types import Command
from seaway.rollout.targets.kubernetes import KubernetesRolloutTarget

# No KUBECONFIG fallback here: without either option the commands work on the local backend.
KubeconfigOpt = Annotated[
    Path | None,
    typer.Option("--kubeconfig", help="work on this cluster's Rollouts, not the local backend"),
]
ContextOpt = Annotated[
    str | None,
    typer.Option("--context", help="kubeconfig context of the cluster (default kubeconfig)"),
]


@dataclass(frozen=True)
class Cluster:
    kubeconfig: Path | None
    context: str | None


def cluster_of(kubeconfig: Path | None, context: str | None) -> Cluster | None:
    """The cluster the options name, or None for the local backend."""
    if kubeconfig is None and context is None:
        return None
    return Cluster(kubeconfig, context)


def find(cluster: Cluster, app: str, name: str | None) -> dict[str, Any]:
    """The Application's one Rollout (or the one named), read from the cluster."""

    async def go() -> list[dict[str, Any]]:
        async with connect(cluster.kubeconfig, cluster.context) as rest:
            return await _tracked(rest, app)

    return _one(run(go()), app, name)


def queue(cluster: Cluster, app: str, name: str | None, command: Command) -> dict[str, Any]:
    """Queue `command` on the Application's Rollout; the Rollout it went to."""

    async def go() -> dict[str, Any]:
        async with connect(cluster.kubeconfig, cluster.context) as rest:
            found = _one(await _tracked(rest, app), app, name)
            meta = found["metadata"]
            target = KubernetesRolloutTarget(rest)
            await target.give_command(str(meta["namespace"]), str(meta["name"]), command)
            return found

    return run(go())


async def _tracked(rest: KubeRest, app: str) -> list[dict[str, Any]]:
    try:
        items = await rest.list(
            "argoproj.io/v1alpha1", "Rollout", label_selector=f"{APP_LABEL}={label_value(app)}"
        )
    except UnknownKind:
        items = []
    return [obj for obj in items if is_tracked_by(app, obj)]


def _one(found: list[dict[str, Any]], app: str, name: str | None) -> dict[str, Any]:
    if name is not None:
        found = [obj for obj in found if obj["metadata"].get("name") == name]
    if not found:
        which = f"Rollout {name!r}" if name else "Rollouts"
        err.print(f"[red]application {app!r} has no {which} in the cluster[/red]")
        raise typer.Exit(1)
    if len(found) > 1:
        names = ", ".join(
            sorted(f"{o['metadata']['namespace']}/{o['metadata']['name']}" for o in found)
        )
        err.print(
            f"[red]application {app!r} has {len(found)} Rollouts ({names}):[/red] name one "
            "with --rollout"
        )
        raise typer.Exit(1)
    return found[0]
