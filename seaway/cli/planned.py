"""Commands that other issues build: listed in `--help`, refusing to run until they exist.

An entry leaves this file in the change that builds its command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import typer
from rich.console import Console

NOT_BUILT_EXIT = 2


@dataclass(frozen=True)
class Planned:
    name: str
    help: str
    issue: int


PLANNED: tuple[Planned, ...] = ()


def not_built(planned: Planned) -> Callable[[], None]:
    def refuse() -> None:
        Console(stderr=True).print(
            f"[bold]seaway {planned.name}[/bold] is not built yet "
            f"(issue #{planned.issue}). Nothing was done."
        )
        raise typer.Exit(NOT_BUILT_EXIT)

    refuse.__doc__ = planned.help
    return refuse
