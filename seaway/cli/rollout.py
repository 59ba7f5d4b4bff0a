"""`seaway rollout`: an application's progressive rollouts on the local backend, as the Argo
Rollouts kubectl plugin offers them: status, promote, abort, pause, resume, retry.

Commands are queued in the local backend's state; the controller's rollout driver takes them on
its next pass (within a fraction of a second), so this works from any shell on the host.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from seaway.cli.rollout_kube import ContextOpt, KubeconfigOpt, cluster_of
from seaway.cli.rollout_kube import find as find_in_cluster
from seaway.cli.rollout_kube import queue as queue_in_cluster
from seaway.cluster.local.state import LocalState
from seaway.controller.service import default_data_dir
from seaway.model.tracking import APP_LABEL, label_value
from seaway.rollout.engine import status_from_dict
from seaway.rollout.engine.types import Command, RolloutStatus
from seaway.rollout.runs import saved_states

rollout_app = typer.Typer(
    help="Progressive rollouts: status, promote, abort, pause, resume, retry (local backend; "
    "a cluster's with --kubeconfig or --context).",
    no_args_is_help=True,
)

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

AppArg = Annotated[str, typer.Argument(help="the Application's name")]
RolloutOpt = Annotated[
    str | None, typer.Option("--rollout", help="the Rollout, when the app has more than one")
]
DataDirOpt = Annotated[
    Path | None, typer.Option(help="state of the local backend (~/.local/share/seaway)")
]

_PHASE_COLORS = {"Healthy": "green", "Progressing": "cyan", "Paused": "blue", "Degraded": "red"}
_RUN_COLORS = {
    "Successful": "green",
    "Running": "cyan",
    "Pending": "cyan",
    "Failed": "red",
    "Error": "red",
    "Inconclusive": "yellow",
}


def _state(data_dir: Path | None) -> LocalState:
    where = data_dir or default_data_dir()
    state_file = where / "local" / "local.db"
    if not state_file.is_file():
        err.print(
            f"[red]no local backend state in {where}[/red] (give the controller's --data-dir)"
        )
        raise typer.Exit(1)
    return LocalState(state_file)


def _find(state: LocalState, app: str, name: str | None) -> dict[str, Any]:
    found = [
        obj
        for obj in state.objects()
        if obj.get("kind") == "Rollout"
        and ((obj.get("metadata") or {}).get("labels") or {}).get(APP_LABEL) == label_value(app)
        and (name is None or obj["metadata"].get("name") == name)
    ]
    if not found:
        which = f"Rollout {name!r}" if name else "Rollouts"
        err.print(f"[red]application {app!r} has no {which} on the local backend[/red]")
        raise typer.Exit(1)
    if len(found) > 1:
        names = ", ".join(sorted(obj["metadata"]["name"] for obj in found))
        err.print(
            f"[red]application {app!r} has {len(found)} Rollouts ({names}):[/red] name one "
            "with --rollout"
        )
        raise typer.Exit(1)
    return found[0]


def _engine_status(raw: dict[str, Any]) -> RolloutStatus | None:
    if not raw.get("phase"):
        return None
    return status_from_dict(raw)


def _steps(obj: dict[str, Any]) -> int:
    canary = ((obj.get("spec") or {}).get("strategy") or {}).get("canary") or {}
    return len(canary.get("steps") or [])


def _strategy(obj: dict[str, Any]) -> str:
    strategy = (obj.get("spec") or {}).get("strategy") or {}
    for name in ("canary", "blueGreen", "recreate"):
        if name in strategy:
            return name
    return str(strategy.get("type") or "-")


def _overview(obj: dict[str, Any], status: RolloutStatus) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    meta = obj["metadata"]
    color = _PHASE_COLORS.get(status.phase.value, "white")
    table.add_row("Rollout", f"{meta.get('namespace')}/{meta['name']}")
    table.add_row("Strategy", _strategy(obj))
    table.add_row("Phase", f"[{color}]{status.phase.value}[/{color}]")
    if status.message:
        table.add_row("Message", status.message)
    steps = _steps(obj)
    if steps:
        index = steps if status.current_step_index is None else status.current_step_index
        table.add_row("Step", f"{index}/{steps}")
    table.add_row("Stable", status.stable_hash or "-")
    table.add_row("Current", status.current_pod_hash or "-")
    if _strategy(obj) == "canary":
        table.add_row(
            "Weights", f"stable {100 - status.canary_weight}%  canary {status.canary_weight}%"
        )
    if status.active_selector or status.preview_selector:
        table.add_row("Active", status.active_selector or "-")
        table.add_row("Preview", status.preview_selector or "-")
    for route in status.header_routes:
        matches = ", ".join(_match_text(m) for m in route.matches)
        table.add_row("Route", f"{route.name} -> canary when {matches}")
    if status.pause_conditions:
        reasons = ", ".join(p.reason for p in status.pause_conditions)
        table.add_row("Paused", reasons)
    if status.abort:
        table.add_row("Aborted", "yes: traffic is on stable; `seaway rollout retry` starts again")
    table.add_row(
        "Replicas",
        f"{status.replicas} total, {status.updated_replicas} updated, "
        f"{status.ready_replicas} ready, {status.available_replicas} available",
    )
    return table


def _match_text(match: Any) -> str:
    if match.cookie_name:
        value = match.cookie_value
        return f"cookie {match.cookie_name} {_string_match(value)}"
    return f"header {match.header_name} {_string_match(match.header_value)}"


def _string_match(value: Any) -> str:
    if value is None:
        return "?"
    if value.exact is not None:
        return f"= {value.exact}"
    if value.prefix is not None:
        return f"starts with {value.prefix}"
    return f"~ {value.regex}"


def _analyses(raw: dict[str, Any], status: RolloutStatus) -> Table | None:
    states = saved_states(raw)
    names = sorted(set(states) | set(status.analyses))
    if not names:
        return None
    table = Table(title="Analysis", title_justify="left")
    for column in ("run", "phase", "metric", "value", "message"):
        table.add_column(column)
    for name in names:
        state = states.get(name)
        summary = status.analyses.get(name)
        if state is None:
            phase = summary.phase.value if summary else "-"
            table.add_row(
                name,
                _colored(phase),
                summary.metric if summary else "",
                summary.value if summary else "",
                summary.message if summary else "",
            )
            continue
        for result in state.results:
            last = result.measurements[-1] if result.measurements else None
            table.add_row(
                name,
                _colored(result.phase.value),
                result.name + (" (dry run)" if result.dry_run else ""),
                last.value if last else "",
                # What the last measurement saw says more than the limit it broke.
                (last.message if last and last.message else result.message),
            )
    return table


def _colored(phase: str) -> str:
    color = _RUN_COLORS.get(phase, "white")
    return f"[{color}]{phase}[/{color}]"


@rollout_app.command()
def status(
    app: AppArg,
    rollout: RolloutOpt = None,
    data_dir: DataDirOpt = None,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """Show a rollout: phase, step, weights, header routes and analysis results."""
    cluster = cluster_of(kubeconfig, context)
    if cluster is not None:
        obj = find_in_cluster(cluster, app, rollout)
    else:
        state = _state(data_dir)
        try:
            obj = _find(state, app, rollout)
        finally:
            state.close()
    raw = dict(obj.get("status") or {})
    parsed = _engine_status(raw)
    if parsed is None:
        out.print(f"Rollout {obj['metadata']['name']}: not picked up by the controller yet")
        return
    out.print(_overview(obj, parsed))
    runs = _analyses(raw, parsed)
    if runs is not None:
        out.print(runs)


def _queue(
    app: str,
    rollout: str | None,
    data_dir: Path | None,
    command: Command,
    cluster: tuple[Path | None, str | None] = (None, None),
) -> None:
    on_cluster = cluster_of(*cluster)
    if on_cluster is not None:
        meta = queue_in_cluster(on_cluster, app, rollout, command)["metadata"]
    else:
        meta = _queue_local(app, rollout, data_dir, command)
    out.print(
        f"[bold]{command.value}[/bold] queued for Rollout {meta.get('namespace')}/{meta['name']} "
        f"(app {app}); the controller takes it on its next pass"
    )


def _queue_local(
    app: str, rollout: str | None, data_dir: Path | None, command: Command
) -> dict[str, Any]:
    state = _state(data_dir)
    try:
        obj = _find(state, app, rollout)
        meta: dict[str, Any] = obj["metadata"]
        state.give_command(str(meta.get("namespace") or ""), str(meta["name"]), command.value)
    finally:
        state.close()
    return meta


@rollout_app.command()
def promote(
    app: AppArg,
    rollout: RolloutOpt = None,
    data_dir: DataDirOpt = None,
    promote_full: Annotated[
        bool, typer.Option("--promote-full", help="skip the remaining steps and analyses")
    ] = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """End the current pause or step and go on (or, with --promote-full, to the end)."""
    command = Command.PROMOTE_FULL if promote_full else Command.PROMOTE
    _queue(app, rollout, data_dir, command, (kubeconfig, context))


@rollout_app.command()
def abort(
    app: AppArg,
    rollout: RolloutOpt = None,
    data_dir: DataDirOpt = None,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """Send all traffic back to stable and scale the new version down."""
    _queue(app, rollout, data_dir, Command.ABORT, (kubeconfig, context))


@rollout_app.command()
def pause(
    app: AppArg,
    rollout: RolloutOpt = None,
    data_dir: DataDirOpt = None,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """Hold the rollout where it is."""
    _queue(app, rollout, data_dir, Command.PAUSE, (kubeconfig, context))


@rollout_app.command()
def resume(
    app: AppArg,
    rollout: RolloutOpt = None,
    data_dir: DataDirOpt = None,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """Undo a pause given with `seaway rollout pause`."""
    _queue(app, rollout, data_dir, Command.RESUME, (kubeconfig, context))


@rollout_app.command()
def retry(
    app: AppArg,
    rollout: RolloutOpt = None,
    data_dir: DataDirOpt = None,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """After an abort: start the update again from its first step."""
    _queue(app, rollout, data_dir, Command.RETRY, (kubeconfig, context))
