"""`seaway gate`: supply-chain gates a CI pipeline runs before a release may move on.

Exit codes are the contract with the pipeline: 0 the gate passes, 1 it fails, 2 the input could
not be read (so a broken report never looks like a clean one).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from seaway.cli.gate_test import gate_test
from seaway.gates import (
    GateResult,
    ReportError,
    ScanPolicy,
    Severity,
    evaluate,
    parse_report,
)
from seaway.gates.errors import validation_problems

PASSED_EXIT = 0
FAILED_EXIT = 1
BAD_INPUT_EXIT = 2

gate_app = typer.Typer(
    name="gate",
    help="Supply-chain gates: vulnerability scans, integration tests.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


class Threshold(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


_STYLES = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "blue",
    Severity.NEGLIGIBLE: "dim",
    Severity.UNKNOWN: "dim",
}


gate_app.command("test")(gate_test)


@gate_app.command("scan")
def scan(
    report: Annotated[
        Path, typer.Option("--report", help="Grype or Trivy JSON report.", show_default=False)
    ],
    fail_on: Annotated[
        Threshold,
        typer.Option(
            "--fail-on",
            help="Fail on a counted vulnerability of this severity or worse.",
            case_sensitive=False,
            show_default=False,
        ),
    ],
    only_fixed: Annotated[
        bool, typer.Option("--only-fixed", help="Count only vulnerabilities with a fix.")
    ] = False,
    allow: Annotated[
        list[str] | None,
        typer.Option(
            "--allow",
            help="Accept this vulnerability (CVE or GHSA id, related ids too); repeatable.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Check a vulnerability report (Grype or Trivy JSON) against a severity threshold."""
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        text = report.read_bytes()
    except OSError as exc:
        errors.print(f"[bold red]error:[/] {report}: cannot read: {exc.strerror or exc}")
        raise typer.Exit(BAD_INPUT_EXIT) from None
    try:
        scan_report = parse_report(text, str(report))
        policy = ScanPolicy(
            fail_on=Severity(fail_on.value), only_fixed=only_fixed, allow=frozenset(allow or ())
        )
    except ReportError as exc:
        errors.print(Text(f"error: {exc}"))
        raise typer.Exit(BAD_INPUT_EXIT) from None
    except ValidationError as exc:
        problems = "; ".join(validation_problems(exc))
        errors.print(Text(f"error: the policy given: {problems}"))
        raise typer.Exit(BAD_INPUT_EXIT) from None

    result = evaluate(scan_report, policy)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _print_result(Console(highlight=False, soft_wrap=True), result)
    raise typer.Exit(PASSED_EXIT if result.passed else FAILED_EXIT)


def _print_result(console: Console, result: GateResult) -> None:
    if result.image is not None:
        console.print(Text.assemble(("Image: ", "bold"), str(result.image)))
    if result.scanner:
        console.print(Text.assemble(("Scanner: ", "bold"), result.scanner))

    counts = Table(title="Vulnerabilities by severity", title_justify="left")
    counts.add_column("Severity")
    counts.add_column("Found", justify="right")
    counts.add_column("Counted", justify="right")
    counts.add_column("Gate", justify="center")
    for count in result.counts:
        # Severities below the threshold are not checked at all.
        checked = count.severity.at_least(result.fail_on)
        verdict = ("fail" if count.counted else "pass") if checked else ""
        counts.add_row(
            Text(count.severity.label, style=_STYLES[count.severity]),
            str(count.total),
            str(count.counted),
            verdict,
        )
    console.print(counts)

    if result.failing:
        failing = Table(title="Failing vulnerabilities", title_justify="left")
        failing.add_column("ID", no_wrap=True)
        failing.add_column("Severity")
        failing.add_column("Package", overflow="fold")
        failing.add_column("Version", overflow="fold")
        failing.add_column("Fixed in", overflow="fold")
        for finding in result.failing:
            failing.add_row(
                finding.id,
                Text(finding.severity.label, style=_STYLES[finding.severity]),
                finding.package,
                finding.version,
                ", ".join(finding.fixed_in) or f"({finding.fix_state.value})",
            )
        console.print(failing)

    if result.allowed:
        ids = ", ".join(sorted({finding.id for finding in result.allowed}))
        console.print(f"Allowed by policy: {len(result.allowed)} ({ids})")
    if result.unfixed:
        console.print(f"Not counted, no fix available: {len(result.unfixed)}")
    if result.unused_allow:
        console.print(
            Text(
                f"warning: --allow matched nothing: {', '.join(result.unused_allow)}",
                style="yellow",
            )
        )

    threshold = result.fail_on.label
    scope = " with a fix" if result.only_fixed else ""
    if result.passed:
        console.print(
            Text(f"PASSED: no counted vulnerability{scope} at {threshold} or above", "bold green")
        )
    else:
        console.print(
            Text(
                f"FAILED: {len(result.failing)} vulnerabilit"
                f"{'y' if len(result.failing) == 1 else 'ies'}{scope} at {threshold} or above",
                "bold red",
            )
        )
