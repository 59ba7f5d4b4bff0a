"""`seaway install`: put Seaway's resource definitions into a cluster."""

from __future__ import annotations

import typer

from seaway.cli.kube import Context, Kubeconfig, connect, out, run
from seaway.controller.install import install_crds

app = typer.Typer(help="Install Seaway into a cluster.", no_args_is_help=True)


@app.command("crds")
def crds(kubeconfig: Kubeconfig = None, context: Context = None) -> None:
    """Install the Application, AppProject and ApplicationSet CRDs (argoproj.io/v1alpha1)."""

    async def go() -> list[str]:
        async with connect(kubeconfig, context) as rest:
            return await install_crds(rest)

    for name in run(go()):
        out.print(f"[green]established[/green] {name}")
