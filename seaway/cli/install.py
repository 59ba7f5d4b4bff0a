"""`seaway install`: put Seaway's resource definitions into a cluster."""

from __future__ import annotations

import typer

from seaway.cli.kube import Context, Kubeconfig, connect, out, run
from seaway.controller.install import Installed, install

app = typer.Typer(help="Install Seaway into a cluster.", no_args_is_help=True)


@app.command("crds")
def crds(kubeconfig: Kubeconfig = None, context: Context = None) -> None:
    """Install the CRDs (argoproj.io/v1alpha1): Application, AppProject, ApplicationSet,
    Rollout, AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun. Argo Rollouts' own
    definitions, where installed, are kept as they are."""

    async def go() -> Installed:
        async with connect(kubeconfig, context) as rest:
            return await install(rest)

    done = run(go())
    for name in done.applied:
        out.print(f"[green]established[/green] {name}")
    for name in done.kept:
        out.print(f"[yellow]kept[/yellow] {name} (installed by another controller, left as is)")
