"""`seaway app`: Applications in a cluster, as `argocd app` offers them."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from seaway.cli import app_remote
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
from seaway.cli.remote import Server, Token
from seaway.cluster.kubernetes import KubeError, KubeRest, KubernetesBackend
from seaway.controller.compare import Comparer, Comparison
from seaway.controller.kube_apps import API_VERSION, CASCADE_FINALIZERS, KubeApps
from seaway.controller.reconcile import kinds_in_status
from seaway.controller.stored import StoredApp
from seaway.model import Application, AppProject, ManifestError, default_project, load_documents
from seaway.model import resolve_project as find_project
from seaway.model.status import SyncStatus
from seaway.source import RenderCache, RepoCache
from seaway.sync.plan import Action, Plan, PlanOptions, ResourceState, plan_sync

app = typer.Typer(
    help="Applications: create, list, get, diff, sync, history, rollback.", no_args_is_help=True
)

_COLORS = {
    "Synced": "green",
    "Healthy": "green",
    "OutOfSync": "yellow",
    "Progressing": "cyan",
    "Suspended": "blue",
    "Degraded": "red",
    "Missing": "yellow",
    "Unknown": "magenta",
    "Succeeded": "green",
    "Failed": "red",
    "Error": "red",
    "Running": "cyan",
}


class Output(StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


OutputOption = Annotated[Output, typer.Option("--output", "-o", help="table, json or yaml")]


def _dump(data: Any, output: Output) -> None:
    if output is Output.JSON:
        out.print_json(json.dumps(data))
    else:
        out.print(yaml.safe_dump(data, sort_keys=False), end="", markup=False, highlight=False)


def _badge(word: str) -> str:
    color = _COLORS.get(word, "white")
    return f"[{color}]{word}[/{color}]" if word else "-"


def _load_file(path: Path) -> list[Application | AppProject]:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text()
    except OSError as exc:
        err.print(f"[red]cannot read {path}[/red]: {exc}")
        raise typer.Exit(2) from exc
    try:
        return load_documents(text, str(path))
    except ManifestError as exc:
        err.print(f"[red]invalid manifest[/red]\n{exc}")
        raise typer.Exit(2) from exc


async def _stored(apps: KubeApps, name: str) -> StoredApp:
    stored = await apps.app(name)
    if stored is None:
        err.print(f"[red]no Application {name!r} in namespace {apps.namespace}[/red]")
        raise typer.Exit(1)
    return stored


@app.command("create")
def create(
    file: Annotated[Path, typer.Option("--file", "-f", help="YAML with Applications/AppProjects")],
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
) -> None:
    """Create or update Applications and AppProjects from a file (or - for stdin)."""
    objects = _load_file(file)

    async def go() -> list[str]:
        async with connect(kubeconfig, context) as rest:
            await rest.apply(
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
            )
            done = []
            for obj in objects:
                manifest = obj.to_dict()
                manifest.pop("status", None)
                manifest["metadata"]["namespace"] = namespace
                await rest.apply(manifest)
                done.append(f"{manifest['kind']} {manifest['metadata']['name']}")
            return done

    for line in run(go()):
        out.print(f"[green]applied[/green] {line} in {namespace}")


@app.command("list")
def list_apps(
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
    output: OutputOption = Output.TABLE,
    server: Server = None,
    token: Token = None,
) -> None:
    """List Applications with their sync and health status."""
    if server:
        app_remote.list_apps(server, token, output.value)
        return

    async def go() -> list[StoredApp]:
        async with connect(kubeconfig, context) as rest:
            return await KubeApps(rest, namespace).apps()

    stored = run(go())
    if output is not Output.TABLE:
        _dump([s.raw for s in stored], output)
        return
    table = Table("NAME", "PROJECT", "SYNC", "HEALTH", "REVISION", "CONDITIONS")
    for s in stored:
        status = s.status
        sync = status.get("sync") or {}
        project = s.app.spec.project_name if s.app else "?"
        conditions = ", ".join(c.get("type", "") for c in status.get("conditions") or [])
        table.add_row(
            s.name,
            project,
            _badge(sync.get("status", "")),
            _badge((status.get("health") or {}).get("status", "")),
            str(sync.get("revision", ""))[:12],
            conditions or ("InvalidSpec" if s.app is None else ""),
        )
    out.print(table)


@app.command("get")
def get(
    name: str,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
    output: OutputOption = Output.TABLE,
    server: Server = None,
    token: Token = None,
) -> None:
    """Show one Application: status, resources, conditions, last operation."""
    if server:
        app_remote.get(server, token, name, output.value)
        return

    async def go() -> StoredApp:
        async with connect(kubeconfig, context) as rest:
            return await _stored(KubeApps(rest, namespace), name)

    stored = run(go())
    if output is not Output.TABLE:
        _dump(stored.raw, output)
        return
    status = stored.status
    sync = status.get("sync") or {}
    health = status.get("health") or {}
    out.print(
        f"[bold]{name}[/bold]  sync {_badge(sync.get('status', ''))}  "
        f"health {_badge(health.get('status', ''))} {health.get('message', '')}"
    )
    out.print(f"revision {sync.get('revision', '-')}")
    for cond in status.get("conditions") or []:
        out.print(f"[yellow]{cond.get('type')}[/yellow]: {cond.get('message')}")
    op = status.get("operationState") or {}
    if op:
        out.print(f"last operation {_badge(op.get('phase', ''))}: {op.get('message', '')}")
    table = Table("KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH", "NOTE")
    for res in status.get("resources") or []:
        table.add_row(
            res.get("kind", ""),
            res.get("namespace", ""),
            res.get("name", ""),
            _badge(res.get("status", "")),
            _badge((res.get("health") or {}).get("status", "")),
            "requires pruning" if res.get("requiresPruning") else "",
        )
    out.print(table)


async def _compare_here(
    rest: KubeRest, namespace: str, name: str, revision: str | None
) -> Comparison:
    """Compare in this process (Git fetched and rendered here), as the controller would."""
    apps = KubeApps(rest, namespace)
    stored = await _stored(apps, name)
    if stored.app is None:
        err.print(f"[red]invalid Application[/red]: {stored.error}")
        raise typer.Exit(2)
    project = find_project(stored.app.spec.project_name, await apps.projects())
    if project is None:
        project = default_project(namespace)
    comparer = Comparer(KubernetesBackend(rest), RepoCache(), RenderCache())
    kinds = kinds_in_status(stored.status)
    comparison = await comparer.compare(stored.app, project, kinds, revision=revision)
    if not comparison.complete:
        for cond in comparison.conditions:
            err.print(f"[red]{cond.type.value}[/red]: {cond.message}")
        raise typer.Exit(2)
    return comparison


@app.command("diff")
def diff_cmd(
    name: str,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
    revision: Annotated[str | None, typer.Option(help="compare this revision instead")] = None,
    server: Server = None,
    token: Token = None,
) -> None:
    """Show how the live state differs from Git. Exits 1 when it differs, as `diff` does."""
    if server:
        app_remote.diff(server, token, name, revision)
        return

    async def go() -> list[str]:
        async with connect(kubeconfig, context) as rest:
            comparison = await _compare_here(rest, namespace, name, revision)
            texts = []
            for res in comparison.resources:
                if res.status is not SyncStatus.OUT_OF_SYNC:
                    continue
                if res.diff is not None:
                    texts.append(res.diff.text())
                else:
                    texts.append(f"--- {res.key} (live, not in Git: would be pruned)\n")
            return texts

    texts = run(go())
    for text in texts:
        out.print(text, highlight=False, markup=False)
    raise typer.Exit(1 if texts else 0)


@app.command("sync")
def sync(
    name: str,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
    prune: Annotated[bool, typer.Option(help="delete live objects no longer in Git")] = False,
    revision: Annotated[str | None, typer.Option(help="sync to this revision")] = None,
    wait: Annotated[bool, typer.Option(help="wait for the sync to finish")] = True,
    timeout: Annotated[float, typer.Option(help="seconds to wait")] = 300.0,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="show the plan and check it with a server-side dry-run; change nothing",
        ),
    ] = False,
    server: Server = None,
    token: Token = None,
) -> None:
    """Ask the controller to sync an Application now, and wait for the result."""
    if server:
        if dry_run:
            err.print("[red]--dry-run runs here, against the cluster: leave out --server[/red]")
            raise typer.Exit(2)
        body: dict[str, Any] = {"prune": prune, "revision": revision}
        app_remote.sync(server, token, name, body, timeout if wait else None)
        return
    if dry_run:
        raise typer.Exit(_dry_run(kubeconfig, context, namespace, name, prune, revision))
    operation: dict[str, Any] = {"sync": {"prune": prune}, "initiatedBy": {"username": "cli"}}
    if revision:
        operation["sync"]["revision"] = revision

    async def go() -> dict[str, Any] | None:
        async with connect(kubeconfig, context) as rest:
            apps = KubeApps(rest, namespace)
            before = await _stored(apps, name)
            started_before = (before.status.get("operationState") or {}).get("startedAt")
            await apps.request_sync(name, operation)
            if not wait:
                return None
            return await _await_operation(rest, apps, name, started_before, timeout)

    result = run(go())
    if result is None:
        out.print(f"sync of {name} requested")
        return
    phase = result.get("phase", "")
    out.print(f"sync {_badge(phase)}: {result.get('message', '')}")
    for res in (result.get("syncResult") or {}).get("resources") or []:
        out.print(
            f"  {res.get('kind')} {res.get('name')}: {res.get('status')} {res.get('message', '')}"
        )
    raise typer.Exit(0 if phase == "Succeeded" else 1)


async def _await_operation(
    rest: KubeRest, apps: KubeApps, name: str, started_before: str | None, timeout: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    picked = False
    with err.status(f"waiting for a controller to take the sync of {name}") as spinner:
        while time.monotonic() < deadline:
            stored = await _stored(apps, name)
            if not stored.raw.get("operation"):
                picked = True
            op = stored.status.get("operationState") or {}
            fresh = op.get("startedAt") != started_before
            if fresh and op.get("phase") not in (None, "Running"):
                return dict(op)
            if fresh:
                done = (op.get("syncResult") or {}).get("resources") or []
                last = done[-1] if done else {}
                spinner.update(
                    f"syncing {name}: {len(done)} resource(s) done"
                    + (f", last {last.get('kind')} {last.get('name')}" if last else "")
                )
            await asyncio.sleep(0.5)
    if not picked:
        err.print(
            f"[red]no controller took the sync request within {timeout:g} s[/red]; "
            f"is `seaway controller -n {apps.namespace}` running?"
        )
    else:
        err.print(f"[red]the sync did not finish within {timeout:g} s[/red]")
    raise typer.Exit(1)


def _dry_run(
    kubeconfig: Path | None,
    context: str | None,
    namespace: str,
    name: str,
    prune: bool,
    revision: str | None,
) -> int:
    async def go() -> tuple[Plan, list[tuple[str, str]]]:
        async with connect(kubeconfig, context) as rest:
            comparison = await _compare_here(rest, namespace, name, revision)
            plan = plan_sync(
                [
                    ResourceState(r.key, r.desired, r.live, r.status is SyncStatus.OUT_OF_SYNC)
                    for r in comparison.resources
                ],
                comparison.hooks,
                PlanOptions(prune=prune),
            )
            backend = KubernetesBackend(rest)
            checks = []
            for task in plan.tasks:
                if task.action is not Action.APPLY:
                    continue
                try:
                    await backend.apply(task.obj, dry_run=True)
                except KubeError as exc:
                    checks.append((str(task.key), str(exc)))
            return plan, checks

    plan, failures = run(go())
    table = Table("PHASE", "WAVE", "ACTION", "RESOURCE", "NOTE")
    problems = dict(failures)
    for task in plan.tasks:
        note = problems.get(str(task.key), "")
        table.add_row(
            task.phase.value,
            str(task.wave),
            task.action.value,
            str(task.key),
            f"[red]{note}[/red]" if note else "ok",
        )
    for skipped in plan.skipped:
        table.add_row("", "", "skip", str(skipped.key), skipped.reason)
    out.print(table)
    out.print("dry run: nothing was changed")
    return 1 if failures else 0


@app.command("refresh")
def refresh(
    name: str,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
    server: Server = None,
    token: Token = None,
) -> None:
    """Ask the controller to look at Git now (Argo CD's refresh annotation), not at the next
    timer; a webhook does the same."""
    if server:
        app_remote.refresh(server, token, name)
        return

    async def go() -> None:
        async with connect(kubeconfig, context) as rest:
            apps = KubeApps(rest, namespace)
            await _stored(apps, name)
            await apps.request_refresh(name)

    run(go())
    out.print(f"refresh of {name} requested")


@app.command("delete")
def delete(
    name: str,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
    cascade: Annotated[
        bool, typer.Option(help="delete the app's resources too (the controller does it)")
    ] = True,
    timeout: Annotated[float, typer.Option(help="seconds to wait for the cascade")] = 120.0,
) -> None:
    """Delete an Application; with --cascade (the default, as in Argo CD) its resources too."""

    async def go() -> bool:
        async with connect(kubeconfig, context) as rest:
            apps = KubeApps(rest, namespace)
            stored = await _stored(apps, name)
            finalizers = [
                f
                for f in (stored.raw.get("metadata") or {}).get("finalizers") or []
                if f not in CASCADE_FINALIZERS
            ]
            if cascade:
                finalizers.append(CASCADE_FINALIZERS[0])
            await rest.patch(
                API_VERSION,
                "Application",
                name,
                namespace,
                {"metadata": {"finalizers": finalizers}},
            )
            await rest.delete(API_VERSION, "Application", name, namespace)
            if not cascade:
                return True
            deadline = time.monotonic() + timeout
            with err.status(f"waiting for the controller to delete the resources of {name}"):
                while time.monotonic() < deadline:
                    if await apps.app(name) is None:
                        return True
                    await asyncio.sleep(0.5)
            return False

    if run(go()):
        out.print(f"deleted Application {name}" + (" and its resources" if cascade else ""))
        return
    err.print(
        f"[red]{name} is marked for deletion but its resources were not deleted within "
        f"{timeout:g} s[/red]; is `seaway controller -n {namespace}` running?"
    )
    raise typer.Exit(1)


@app.command("history")
def history(
    name: str,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
    server: Server = None,
    token: Token = None,
) -> None:
    """List the revisions this Application was synced to."""
    if server:
        app_remote.history(server, token, name)
        return

    async def go() -> StoredApp:
        async with connect(kubeconfig, context) as rest:
            return await _stored(KubeApps(rest, namespace), name)

    table = Table("ID", "DEPLOYED AT", "REVISION")
    for entry in run(go()).status.get("history") or []:
        table.add_row(
            str(entry.get("id")), str(entry.get("deployedAt", "")), str(entry.get("revision", ""))
        )
    out.print(table)


@app.command("rollback")
def rollback(
    name: str,
    history_id: Annotated[int, typer.Argument(help="the ID from `seaway app history`")],
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
    prune: Annotated[bool, typer.Option(help="delete objects the old revision lacks")] = False,
    timeout: Annotated[float, typer.Option(help="seconds to wait")] = 300.0,
    server: Server = None,
    token: Token = None,
) -> None:
    """Sync back to a revision from the history. Automated sync must be off, or it would
    move the app forward again at once (as in Argo CD)."""
    if server:
        app_remote.sync(server, token, name, {"id": history_id, "prune": prune}, timeout)
        return

    async def go() -> dict[str, Any]:
        async with connect(kubeconfig, context) as rest:
            apps = KubeApps(rest, namespace)
            stored = await _stored(apps, name)
            policy = stored.app.spec.sync_policy if stored.app else None
            if policy is not None and policy.is_automated:
                err.print(
                    "[red]rollback refused[/red]: automated sync is on; turn off "
                    "spec.syncPolicy.automated first, or the controller would sync "
                    "forward again"
                )
                raise typer.Exit(2)
            entries = {int(e.get("id", -1)): e for e in stored.status.get("history") or []}
            if history_id not in entries:
                err.print(
                    f"[red]no history entry {history_id}[/red] "
                    f"(have: {', '.join(map(str, sorted(entries))) or 'none'})"
                )
                raise typer.Exit(2)
            started = (stored.status.get("operationState") or {}).get("startedAt")
            await apps.request_sync(
                name,
                {
                    "sync": {"revision": entries[history_id]["revision"], "prune": prune},
                    "initiatedBy": {"username": "cli"},
                },
            )
            return await _await_operation(rest, apps, name, started, timeout)

    result = run(go())
    out.print(f"rollback {_badge(result.get('phase', ''))}: {result.get('message', '')}")
    raise typer.Exit(0 if result.get("phase") == "Succeeded" else 1)
