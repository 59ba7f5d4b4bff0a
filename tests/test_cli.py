from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

import seaway
from seaway.cli.main import app
from seaway.cli.planned import NOT_BUILT_EXIT, PLANNED, Planned, not_built

runner = CliRunner()


def test_version_names_the_package_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert f"seaway {seaway.__version__}" in result.output


def test_help_lists_every_command_group() -> None:
    result = runner.invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    for planned in PLANNED:
        assert planned.name in result.output
    assert ("Not built yet" in result.output) == bool(PLANNED)


def test_unbuilt_command_refuses_plainly_with_any_arguments() -> None:
    # Every planned command may be built by now: the refusal is checked on one made here.
    planned = PLANNED[0] if PLANNED else Planned("someday", "A later issue's command.", 99)
    later = typer.Typer()
    later.command(
        name=planned.name,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )(not_built(planned))
    later.command(name="other")(lambda: None)
    result = runner.invoke(later, [planned.name, "status", "web", "-o", "wide"])
    assert result.exit_code == NOT_BUILT_EXIT
    assert "not built yet" in result.output
    assert f"issue #{planned.issue}" in result.output


def test_console_script_is_installed() -> None:
    exe = shutil.which("seaway") or str(Path(sys.executable).with_name("seaway"))
    done = subprocess.run([exe, "version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("seaway ")
