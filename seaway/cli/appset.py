"""`seaway appset`: ApplicationSets in a cluster (list, get) and a preview of the Applications a
set file would make, rendered here without writing anything."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from seaway.appset import AppSetError, Inputs, owner_of, render_set
from seaway.cli.kube import (
    DEFAULT_NAMESPACE,
    Context,
    Kubeconfig,
    Namespace,
    connect,
    err,
    out,
    run,
)
from seaway.controller.appsets import API_VERSION, KIND, RepoGit
from seaway.model import ManifestError, load_documents
from seaway.model.applicationset import APPSET_KINDS, ApplicationSet
from seaway.source import RepoCache

app = typer.Typer(
    help="ApplicationSets: list, get, and preview the Applications a set makes.",
    no_args_is_help=True,
)


class Output(StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


OutputOption = Annotated[Output, typer.Option("--output", "-o", help="table, json or yaml")]


def _dump(data: Any, output: Output) -> None:
    # Plain writes: rich would wrap long lines, and the output is meant for other tools.
    if output is Output.JSON:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif isinstance(data, list):
        sys.stdout.write("---\n".join(yaml.safe_dump(item, sort_keys=False) for item in data))
    else:
        sys.stdout.write(yaml.safe_dump(data, sort_keys=False))


def _condition(status: dict[str, Any]) -> str:
    for condition in status.get("conditions") or []:
        if condition.get("type") == "ErrorOccurred" and condition.get("status") == "True":
            return f"[red]Error[/red]: {str(condition.get('message', '')).splitlines()[0]}"
    return "[green]UpToDate[/green]" if status.get("conditions") else "-"


def _generators(raw: dict[str, Any]) -> str:
    return ", ".join(
        next(iter(g), "?") for g in (raw.get("spec") or {}).get("generators") or [] if g
    )


@app.command("list")
def list_sets(
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
    output: OutputOption = Output.TABLE,
) -> None:
    """List ApplicationSets with their generators, apps and state."""

    async def go() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with connect(kubeconfig, context) as rest:
            sets = await rest.list(API_VERSION, KIND, namespace=namespace)
            apps = await rest.list(API_VERSION, "Application", namespace=namespace)
            return sets, apps

    sets, apps = run(go())
    if output is not Output.TABLE:
        _dump(sets, output)
        return
    table = Table("NAME", "GENERATORS", "APPS", "STATUS")
    for raw in sets:
        name = str(raw["metadata"]["name"])
        count = sum(1 for a in apps if owner_of(a) == name)
        table.add_row(name, _generators(raw), str(count), _condition(raw.get("status") or {}))
    out.print(table)


@app.command("get")
def get_set(
    name: Annotated[str, typer.Argument(help="the ApplicationSet's name")],
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
    output: OutputOption = Output.TABLE,
) -> None:
    """Show one ApplicationSet: its conditions and the Applications it made."""

    async def go() -> dict[str, Any] | None:
        async with connect(kubeconfig, context) as rest:
            return await rest.get(API_VERSION, KIND, name, namespace)

    raw = run(go())
    if raw is None:
        err.print(f"[red]no ApplicationSet {name!r} in namespace {namespace}[/red]")
        raise typer.Exit(1)
    if output is not Output.TABLE:
        _dump(raw, output)
        return
    status = raw.get("status") or {}
    out.print(f"[bold]{name}[/bold]  generators: {_generators(raw)}")
    conditions = Table("CONDITION", "STATUS", "REASON", "MESSAGE")
    for c in status.get("conditions") or []:
        conditions.add_row(c.get("type"), c.get("status"), c.get("reason"), c.get("message"))
    out.print(conditions)
    resources = Table("APPLICATION", "SYNC", "HEALTH")
    for r in status.get("resources") or []:
        health = (r.get("health") or {}).get("status", "")
        resources.add_row(r.get("name"), r.get("status", ""), health)
    out.print(resources)


def _read_sets(path: Path) -> list[ApplicationSet]:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text()
    except OSError as exc:
        err.print(f"[red]cannot read {path}[/red]: {exc}")
        raise typer.Exit(2) from exc
    try:
        return load_documents(text, str(path), kinds=APPSET_KINDS)
    except ManifestError as exc:
        err.print(f"[red]invalid ApplicationSet[/red]\n{exc}", markup=True, highlight=False)
        raise typer.Exit(2) from exc


@app.command("preview")
def preview(
    file: Annotated[Path, typer.Argument(help="a file of ApplicationSets ('-' for stdin)")],
    repo_cache: Annotated[
        Path | None, typer.Option("--repo-cache", help="where Git mirrors are kept")
    ] = None,
    namespace: Annotated[
        str, typer.Option("--namespace", "-n", help="namespace the apps would live in")
    ] = DEFAULT_NAMESPACE,
    output: OutputOption = Output.YAML,
) -> None:
    """Render the Applications the sets in FILE would make, without applying anything.

    Git generators read the repos (ls-remote, then a cached checkout); the clusters generator
    sees the local cluster only, as no cluster Secrets are read here."""
    git = RepoGit(RepoCache(repo_cache))
    made: list[dict[str, Any]] = []
    failed = False
    for appset in _read_sets(file):
        if not appset.metadata.namespace:
            appset.metadata.namespace = namespace
        try:
            made.extend(render_set(appset, Inputs(git=git)).apps)
        except AppSetError as exc:
            failed = True
            err.print(f"ApplicationSet {appset.name} makes no apps:", markup=False)
            for problem in exc.problems:
                err.print(f"  {problem}", markup=False, highlight=False)
    if output is Output.TABLE:
        table = Table("APPLICATION", "SET", "REPO", "PATH", "REVISION", "DESTINATION")
        for a in made:
            spec = a["spec"]
            source = spec.get("source") or (spec.get("sources") or [{}])[0]
            dest = spec.get("destination") or {}
            table.add_row(
                a["metadata"]["name"],
                owner_of(a) or "",
                source.get("repoURL", ""),
                source.get("path", ""),
                source.get("targetRevision", ""),
                f"{dest.get('name') or dest.get('server', '')}/{dest.get('namespace', '')}",
            )
        out.print(table)
    else:
        _dump(made, output)
    if failed:
        raise typer.Exit(1)
