"""`examples/ci/github-actions.yml`: well-formed, in the pipeline's order, and every `seaway`
command in it is parsed by the real CLI (the Typer app's own parser, down to option values).

GitHub Actions itself cannot run here; the `${{ ... }}` expressions and shell variables are
replaced with values of the shape they have in a run.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

# Typer carries its own copy of click; its parser and errors are the ones `seaway` runs.
from typer._click import Command
from typer._click.exceptions import BadParameter, NoSuchOption, UsageError
from typer.core import TyperGroup

from seaway.cli.main import app

WORKFLOW = Path(__file__).resolve().parents[2] / "examples" / "ci" / "github-actions.yml"
DIGEST = "sha256:" + "ab" * 32
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


def _workflow() -> dict[Any, Any]:
    loaded = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _expression(match: re.Match[str]) -> str:
    text = match.group(1)
    if text.endswith("outputs.digest"):
        return DIGEST
    if text == "github.repository":
        return "acme/web"
    return "value"


def _fill(script: str, env: dict[str, str]) -> str:
    return VARIABLE.sub(lambda m: env.get(m.group(1), m.group(0)), script)


def _commands() -> list[tuple[str, list[str]]]:
    """(step name, argv) of every `seaway` command, variables filled in as a run would."""
    workflow = _workflow()
    found = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            script = step.get("run", "")
            if not script.lstrip().startswith("seaway "):
                continue
            env = {"RUNNER_TEMP": "/home/runner/work/_temp", "GITHUB_SHA": "c0ffee" * 6}
            for scope in (workflow.get("env", {}), job.get("env", {}), step.get("env", {})):
                env.update({k: EXPRESSION.sub(_expression, str(v)) for k, v in scope.items()})
            found.append((step.get("name", script), shlex.split(_fill(script, env))[1:]))
    return found


def _parse(argv: list[str]) -> Command:
    """Resolve the command and parse its options and arguments; click errors propagate."""
    command: Command = typer.main.get_command(app)
    ctx = command.make_context("seaway", list(argv))
    while isinstance(command, TyperGroup):
        args = [*ctx._protected_args, *ctx.args]
        name, sub, rest = command.resolve_command(ctx, args)
        assert name is not None
        assert sub is not None
        command, ctx = sub, sub.make_context(name, rest, parent=ctx)
    return command


def test_the_workflow_is_well_formed_and_in_order() -> None:
    workflow = _workflow()
    # PyYAML reads the bare key `on` as True, as YAML 1.1 says.
    triggers = workflow.get("on", workflow.get(True))
    assert isinstance(triggers, dict)
    assert "push" in triggers
    jobs = workflow["jobs"]
    assert jobs["release"]["needs"] == "unit-tests"
    assert any("pytest" in step.get("run", "") for step in jobs["unit-tests"]["steps"])
    order = [
        step.get("uses", "").split("@")[0] or step["run"].split()[0:3]
        for step in jobs["release"]["steps"]
    ]
    flat = [" ".join(item) if isinstance(item, list) else item for item in order]
    wanted = [
        "docker/build-push-action",
        "anchore/scan-action",
        "seaway gate scan",
        "seaway attest --image",
        "seaway image set",
    ]
    positions = [next(i for i, item in enumerate(flat) if item.startswith(w)) for w in wanted]
    assert positions == sorted(positions), flat
    scan = next(s for s in jobs["release"]["steps"] if s.get("id") == "scan")
    assert scan["with"]["output-format"] == "json"
    assert scan["with"]["fail-build"] is False


def test_secrets_reach_seaway_only_through_the_environment() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    for _, argv in _commands():
        assert not any("secrets." in arg for arg in argv)
    assert "SEAWAY_GIT_TOKEN: ${{ secrets.ENV_REPO_TOKEN }}" in text


def test_there_are_the_expected_seaway_commands() -> None:
    names = [" ".join(argv[:2]) for _, argv in _commands()]
    assert names == ["gate scan", "attest --image", "attest --image", "image set"]


@pytest.mark.parametrize(("name", "argv"), _commands(), ids=lambda value: str(value)[:30])
def test_every_seaway_command_parses_with_the_real_cli(name: str, argv: list[str]) -> None:
    command = _parse(argv)
    assert command.name in {"scan", "attest", "set"}, name


def test_the_check_catches_a_wrong_option() -> None:
    with pytest.raises(NoSuchOption):
        _parse(["gate", "scan", "--report", "grype.json", "--fail-on", "high", "--stage", "dev"])
    with pytest.raises(UsageError, match="No such command"):
        _parse(["image", "sett", "dev", f"ghcr.io/acme/web@{DIGEST}"])
    with pytest.raises(BadParameter):
        _parse(["gate", "scan", "--report", "grype.json", "--fail-on", "severe"])
