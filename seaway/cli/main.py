"""The `seaway` command line: one Typer app, one group or command per part of Seaway.

Commands whose part is not built yet are listed all the same, so `seaway --help` shows the whole
shape; running one says plainly that it is not built and which issue builds it, and exits 2.
"""

from __future__ import annotations

import platform
import sys

import typer
from rich.console import Console

import seaway
from seaway.cli import app as app_cmd
from seaway.cli import appset as appset_cmd
from seaway.cli import install
from seaway.cli.admin import admin_app
from seaway.cli.attest import attest, key_app, verify_command
from seaway.cli.ci import ci_app
from seaway.cli.controller import controller
from seaway.cli.demo import demo
from seaway.cli.gate import gate_app
from seaway.cli.image import image_app
from seaway.cli.logs import logs
from seaway.cli.planned import PLANNED, not_built
from seaway.cli.promote import promote_command
from seaway.cli.remote import login
from seaway.cli.rollout import rollout_app
from seaway.cli.secret import secret_app
from seaway.cli.server import server
from seaway.cli.why import why_command

app = typer.Typer(
    name="seaway",
    help="GitOps continuous delivery: Git is the truth, Seaway makes each cluster match it.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


@app.command(rich_help_panel="Commands")
def version() -> None:
    """Print Seaway's version."""
    Console().print(
        f"seaway {seaway.__version__} (Python {platform.python_version()}, {sys.platform})",
        highlight=False,
    )


app.add_typer(app_cmd.app, name="app", rich_help_panel="Commands")
app.add_typer(appset_cmd.app, name="appset", rich_help_panel="Commands")
app.add_typer(install.app, name="install", rich_help_panel="Commands")
app.command(rich_help_panel="Commands")(controller)
app.command(rich_help_panel="Commands")(server)
app.command(rich_help_panel="Commands")(login)
app.command(rich_help_panel="Commands")(demo)
app.command(rich_help_panel="Commands")(logs)
app.add_typer(gate_app, name="gate", rich_help_panel="Commands")
app.add_typer(secret_app, name="secret", rich_help_panel="Commands")
app.add_typer(admin_app, name="admin", rich_help_panel="Commands")
app.command(rich_help_panel="Commands")(attest)
app.command("verify", rich_help_panel="Commands")(verify_command)
app.add_typer(key_app, name="key", rich_help_panel="Commands")
app.add_typer(image_app, name="image", rich_help_panel="Commands")
app.command("promote", rich_help_panel="Commands")(promote_command)
app.command("why", rich_help_panel="Commands")(why_command)
app.add_typer(rollout_app, name="rollout", rich_help_panel="Commands")
app.add_typer(ci_app, name="ci", rich_help_panel="Commands")


def _register_planned() -> None:
    # Plain commands that swallow any arguments, so `seaway app list` says "not built"
    # rather than "no such command".
    for planned in PLANNED:
        app.command(
            name=planned.name,
            help=f"{planned.help} [dim](issue #{planned.issue})[/dim]",
            rich_help_panel="Not built yet",
            context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        )(not_built(planned))


_register_planned()


def run() -> None:
    app()
