"""`seaway ci run`: the CI pipeline of an app repo, run on this machine.

    seaway ci run [--config .seaway-ci.yaml] [--scan-report grype.json]

Unit tests, build and push the image, the scan gate, signed test-result and vulns attestations
pushed beside the image, then IMAGE@DIGEST written into the dev stage of the environment repo:
the road `examples/ci/github-actions.yml` takes in GitHub Actions. It stops at the first step
that fails. Exit codes: 0 done, 1 a step failed, 2 the input could not be used (nothing ran).

The scan runs `grype` when it is on PATH; otherwise a report must be given with --scan-report,
and every line about the scan says it was a supplied report, not a scan made here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from seaway.ci import (
    CiConfigError,
    Context,
    Event,
    ScanSource,
    StepFailedError,
    plan_steps,
    read_config,
    run_steps,
)
from seaway.ci.plan import image_name
from seaway.cli.attest import InsecureRegistries, PasswordEnv, insecure_registries
from seaway.cli.image import credentials_from_env
from seaway.gates.attest import AttestError, read_private_key
from seaway.model.ci import CiConfig
from seaway.promote.writeback import BadInputError, author_from_env
from seaway.registry import RegistryClient, RegistryError

DONE_EXIT = 0
FAILED_EXIT = 1
BAD_INPUT_EXIT = 2

ci_app = typer.Typer(
    name="ci",
    help="Run an app repo's CI pipeline here: tests, build, scan gate, attest, deploy to dev.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

_MARKS = {"start": ("..", "cyan"), "done": ("ok", "bold green"), "failed": ("FAILED", "bold red")}


def _bad_input(err: Console, message: str) -> typer.Exit:
    err.print(Text(f"error: {message}\nNothing was run."))
    return typer.Exit(BAD_INPUT_EXIT)


def _commit(root: Path) -> str:
    git = shutil.which("git")
    if git is None:
        return ""
    done = subprocess.run(
        [git, "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def _scan_source(config: CiConfig, root: Path, given: Path | None) -> ScanSource:
    if given is not None:
        return ScanSource(report=str(given))
    grype = shutil.which("grype")
    if grype is not None:
        return ScanSource(grype=grype)
    if config.scan.report:
        return ScanSource(report=str(root / config.scan.report))
    raise ValueError(
        "grype is not on PATH and no report is given: pass --scan-report FILE (a Grype or "
        "Trivy JSON report) or install grype"
    )


def _echo(chunk: bytes) -> None:
    sys.stderr.buffer.write(chunk)
    sys.stderr.buffer.flush()


@ci_app.command("run")
def run(
    config_file: Annotated[
        Path, typer.Option("--config", help="The pipeline's config, in the app repo.")
    ] = Path(".seaway-ci.yaml"),
    scan_report: Annotated[
        Path | None,
        typer.Option(
            "--scan-report",
            help="Use this Grype or Trivy JSON report instead of running grype (it must be on "
            "PATH otherwise).",
            show_default=False,
        ),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="Signing key (PEM); overrides attest.key.", show_default=False),
    ] = None,
    insecure_registry: InsecureRegistries = None,
    password_env: PasswordEnv = None,
) -> None:
    """Run the pipeline: unit tests -> build and push -> scan gate -> attest -> write to dev."""
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    root = config_file.resolve().parent
    try:
        config = read_config(config_file)
        commit = _commit(root)
        image = image_name(config, commit)
        scan = _scan_source(config, root, scan_report)
        variable = password_env or config.attest.password_env or None
        password = _password(variable)
        signing_key = read_private_key(key or root / config.attest.key, password)
        author = author_from_env(None)
        client = RegistryClient(
            insecure=[*config.insecure_registries, *insecure_registries(insecure_registry)]
        )
    except (CiConfigError, AttestError, BadInputError, RegistryError, ValueError) as exc:
        raise _bad_input(err, str(exc)) from None
    steps = plan_steps(config, image, scan)
    ctx = Context(config, root, commit, image, scan, signing_key, client, author)
    ctx.credentials, ctx.echo = credentials_from_env(), _echo
    out.print(Text(f"seaway ci: {len(steps)} steps for {root.name} at {commit[:12] or '?'}"))

    def show(event: Event) -> None:
        mark, style = _MARKS[event.state]
        line = Text.assemble((f"[{mark}] ", style), (event.step.kind.value, "bold"), ": ")
        line.append(event.detail if event.state != "start" else event.step.title)
        out.print(line)

    with client:
        try:
            outcome = run_steps(steps, ctx, show)
        except StepFailedError as exc:
            rest = [s.kind.value for s in steps[steps.index(exc.step) + 1 :]]
            skipped = f"; not run: {', '.join(rest)}" if rest else ""
            err.print(Text(f"error: step {exc}{skipped}", "bold red"))
            raise typer.Exit(FAILED_EXIT) from None
    out.print(Text(f"done: {outcome.pinned} is in {config.deploy.stage}", "bold green"))


def _password(variable: str | None) -> bytes | None:
    if variable is None:
        return None
    value = os.environ.get(variable)
    if not value:
        raise ValueError(f"password variable {variable} is not set or empty")
    return value.encode()
