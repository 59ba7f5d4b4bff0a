"""`seaway demo`: the whole story on this machine, shown step by step."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from seaway.demo.story import Demo, Outcome, Step

_MARK = {
    Outcome.DONE: "[green]✓[/green]",
    Outcome.FAILED: "[red]✗[/red]",
    Outcome.NOT_BUILT: "[yellow]∅[/yellow]",
}


def demo(
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="where to make the repo and keep state (default: a temp dir)"),
    ] = None,
    exit_when_done: Annotated[
        bool, typer.Option("--exit", help="stop everything once the story is told")
    ] = False,
    timeout: Annotated[float, typer.Option(help="seconds each step may take")] = 60.0,
) -> None:
    """Run the whole story on this machine with the embedded local backend: a Git environment
    repo with dev and prod, the sample web service deployed, updated, promoted and broken."""
    console = Console()
    temporary = directory is None
    workdir = Path(tempfile.mkdtemp(prefix="seaway-demo-")) if directory is None else directory
    workdir.mkdir(parents=True, exist_ok=True)
    if any(workdir.iterdir()):
        console.print(f"[red]{workdir} is not empty[/red]: give an empty or new folder to --dir")
        raise typer.Exit(2)
    started = time.monotonic()

    async def tell() -> tuple[list[Step], list[tuple[str, str, str, str, str, str]]]:
        with console.status("starting") as spinner:

            def on_step(step: Step) -> None:
                console.print(
                    f"{_MARK[step.outcome]} [bold]{step.title}[/bold] "
                    f"[dim]({step.seconds:.1f} s)[/dim]\n    {step.detail}"
                )

            story = Demo(workdir, on_step=on_step, on_progress=spinner.update, timeout=timeout)
            try:
                steps = await story.run()
                rows = story.summary()
            except BaseException:
                await story.close()
                raise
        try:
            where = (
                "a temporary folder, removed on exit" if temporary and exit_when_done else workdir
            )
            _print_summary(console, steps, rows, time.monotonic() - started, where)
            if not exit_when_done and all(s.outcome is not Outcome.FAILED for s in steps):
                console.print("Running until Ctrl-C (every process started here stops then).")
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    with contextlib.suppress(NotImplementedError):
                        loop.add_signal_handler(sig, stop.set)
                await stop.wait()
        finally:
            await story.close()
        return steps, rows

    steps, _ = asyncio.run(tell())
    if temporary and exit_when_done:
        shutil.rmtree(workdir, ignore_errors=True)
    if any(s.outcome is Outcome.FAILED for s in steps):
        raise typer.Exit(1)


def _print_summary(
    console: Console,
    steps: list[Step],
    rows: list[tuple[str, str, str, str, str, str]],
    seconds: float,
    workdir: Path | str,
) -> None:
    done = sum(1 for s in steps if s.outcome is Outcome.DONE)
    missing = [s.title for s in steps if s.outcome is Outcome.NOT_BUILT]
    failed = [s.title for s in steps if s.outcome is Outcome.FAILED]
    table = Table("APP", "BRANCH", "NAMESPACE", "SYNC", "HEALTH", "URL", title="What runs where")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(
        f"{done} steps done, {len(missing)} not built yet, {len(failed)} failed, "
        f"in {seconds:.1f} s. Repo and state: {workdir}"
    )
    for title in missing:
        console.print(f"  [yellow]not built yet[/yellow]: {title}")
    for title in failed:
        console.print(f"  [red]failed[/red]: {title}")
