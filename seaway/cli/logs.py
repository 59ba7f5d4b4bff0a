"""`seaway logs APP`: what an application's replicas wrote, on the local backend."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from seaway.cluster.local.state import LocalState
from seaway.controller.service import default_data_dir
from seaway.model.tracking import APP_LABEL, label_value


def _log_files(data_dir: Path, app: str) -> list[Path]:
    state_file = data_dir / "local" / "local.db"
    if not state_file.is_file():
        return []
    state = LocalState(state_file)
    try:
        deployments = [
            (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
            for obj in state.objects()
            if obj.get("kind") in ("Deployment", "Rollout")
            and (obj["metadata"].get("labels") or {}).get(APP_LABEL) == label_value(app)
        ]
    finally:
        state.close()
    logs = data_dir / "local" / "logs"
    files: list[Path] = []
    for namespace, name in deployments:
        files.extend(sorted(logs.glob(f"{namespace}_{name}-*.log")))
    return files


def logs(
    app: Annotated[str, typer.Argument(help="the Application's name")],
    data_dir: Annotated[
        Path | None, typer.Option(help="state of the local backend (~/.local/share/seaway)")
    ] = None,
    tail: Annotated[int, typer.Option(help="lines from the end of each replica's log")] = 50,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="keep printing new lines")] = False,
) -> None:
    """Show the logs of an application's replicas (local backend)."""
    out = Console(highlight=False)
    where = data_dir or default_data_dir()
    files = _log_files(where, app)
    if not files:
        Console(stderr=True).print(
            f"[red]no replica logs for {app!r} in {where}[/red] (is it an app of the local "
            "backend? give its --data-dir)"
        )
        raise typer.Exit(1)
    offsets = {}
    for file in files:
        lines = file.read_text(errors="replace").splitlines()
        for line in lines[-tail:] if tail > 0 else lines:
            out.print(f"[dim]{file.stem}[/dim] {line}", markup=True)
        offsets[file] = file.stat().st_size
    while follow:
        time.sleep(0.5)
        for file in _log_files(where, app):
            size = file.stat().st_size if file.exists() else 0
            start = offsets.get(file, 0)
            if size < start:
                start = 0  # rotated
            if size > start:
                with file.open("rb") as handle:
                    handle.seek(start)
                    for line in handle.read().decode(errors="replace").splitlines():
                        out.print(f"[dim]{file.stem}[/dim] {line}", markup=True)
            offsets[file] = size
