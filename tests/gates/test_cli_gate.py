"""`seaway gate scan`: summary, failing findings, JSON, and the exit codes CI relies on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from seaway.cli.main import app
from tests.gates.reports import INDEX_DIGEST, mixed_grype_report, mixed_trivy_report

runner = CliRunner()
WIDE = {"COLUMNS": "200", "NO_COLOR": "1"}
SEAWAY = Path(sys.executable).with_name("seaway")


def _write(tmp_path: Path, data: Any, name: str = "grype.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def _scan(*args: str) -> Any:
    return runner.invoke(app, ["gate", "scan", *args], env=WIDE)


def test_failing_gate_exits_1_with_summary_and_findings(tmp_path: Path) -> None:
    report = _write(tmp_path, mixed_grype_report())
    result = _scan("--report", str(report), "--fail-on", "critical")
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert f"registry.example.com/shop/api:1.4.2@{INDEX_DIGEST}" in out
    assert "grype 0.87.0" in out
    assert "Vulnerabilities by severity" in out
    assert "Failing vulnerabilities" in out
    assert "CVE-2024-0001" in out
    assert "3.0.13-1" in out
    assert "(not-fixed)" in out
    assert "GHSA-abcd-efgh-ijkl" not in out
    assert "FAILED: 2 vulnerabilities at Critical or above" in out


def test_passing_gate_exits_0(tmp_path: Path) -> None:
    report = _write(tmp_path, mixed_grype_report())
    result = _scan(
        "--report",
        str(report),
        "--fail-on",
        "CRITICAL",
        "--only-fixed",
        "--allow",
        "CVE-2024-0001",
    )
    assert result.exit_code == 0, result.output
    assert "PASSED: no counted vulnerability with a fix at Critical or above" in result.stdout
    assert "Allowed by policy: 1 (CVE-2024-0001)" in result.stdout
    assert "Not counted, no fix available: 4" in result.stdout
    assert "Failing vulnerabilities" not in result.stdout


def test_allow_related_id_and_unused_allow_warning(tmp_path: Path) -> None:
    report = _write(tmp_path, mixed_grype_report())
    result = _scan(
        "--report",
        str(report),
        "--fail-on",
        "high",
        "--allow",
        "CVE-2024-0001",
        "--allow",
        "CVE-2024-0002",
        "--allow",
        "CVE-2024-0004",
        "--allow",
        "CVE-2024-35195",
        "--allow",
        "CVE-2000-0000",
    )
    assert result.exit_code == 0, result.output
    assert "warning: --allow matched nothing: CVE-2000-0000" in result.stdout


@pytest.mark.parametrize(
    ("threshold", "code"), [("critical", 1), ("high", 1), ("medium", 1), ("low", 1)]
)
def test_every_threshold_on_a_trivy_report(tmp_path: Path, threshold: str, code: int) -> None:
    report = _write(tmp_path, mixed_trivy_report(), "trivy.json")
    result = _scan("--report", str(report), "--fail-on", threshold, "--json")
    assert result.exit_code == code, result.output
    data = json.loads(result.stdout)
    assert data["scanner"] == "trivy"
    assert data["failOn"] == threshold


def test_json_output(tmp_path: Path) -> None:
    report = _write(tmp_path, mixed_grype_report())
    result = _scan("--report", str(report), "--fail-on", "high", "--only-fixed", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["passed"] is False
    assert [item["id"] for item in data["failing"]] == ["CVE-2024-0001", "GHSA-abcd-efgh-ijkl"]
    assert data["failing"][1]["relatedIds"] == ["CVE-2024-35195"]
    assert data["image"]["digest"] == INDEX_DIGEST
    assert data["counts"]["high"] == {"total": 2, "counted": 1}


def test_bad_severity_exits_2_naming_file_and_field(tmp_path: Path) -> None:
    data = mixed_grype_report()
    data["matches"][3]["vulnerability"]["severity"] = "Severe"
    report = _write(tmp_path, data)
    result = _scan("--report", str(report), "--fail-on", "high")
    assert result.exit_code == 2
    assert (
        f"{report}: matches[3].vulnerability.severity: 'Severe' is not a Grype severity"
        in result.stderr
    )
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{", "not valid JSON"),
        ('{"hello": 1}', "neither a Grype report"),
        ("[]", "expected a JSON object"),
    ],
)
def test_bad_input_exits_2(tmp_path: Path, content: str, expected: str) -> None:
    report = _write(tmp_path, content, "scan.json")
    result = _scan("--report", str(report), "--fail-on", "high")
    assert result.exit_code == 2
    assert f"{report}: {expected}" in result.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    result = _scan("--report", str(missing), "--fail-on", "high")
    assert result.exit_code == 2
    assert f"{missing}: cannot read: No such file or directory" in result.stderr


def test_empty_allow_is_bad_input(tmp_path: Path) -> None:
    report = _write(tmp_path, mixed_grype_report())
    result = _scan("--report", str(report), "--fail-on", "high", "--allow", " ")
    assert result.exit_code == 2
    assert "allow: an allowed vulnerability id cannot be empty" in result.stderr


def test_bad_threshold_is_a_usage_error(tmp_path: Path) -> None:
    report = _write(tmp_path, mixed_grype_report())
    result = _scan("--report", str(report), "--fail-on", "negligible")
    assert result.exit_code == 2


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SEAWAY), "gate", "scan", *args],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "NO_COLOR": "1"},
    )


def test_console_script_exit_codes(tmp_path: Path) -> None:
    report = _write(tmp_path, mixed_grype_report())
    failed = _run("--report", str(report), "--fail-on", "medium")
    assert failed.returncode == 1, failed.stderr
    assert "FAILED: 5 vulnerabilities at Medium or above" in failed.stdout

    passed = _run(
        "--report", str(report), "--fail-on", "critical", "--only-fixed", "--allow", "cve-2024-0001"
    )
    assert passed.returncode == 0, passed.stderr
    assert "PASSED" in passed.stdout

    bad = _write(tmp_path, {"SchemaVersion": 2, "Results": [{"Vulnerabilities": [{}]}]}, "t.json")
    broken = _run("--report", str(bad), "--fail-on", "low")
    assert broken.returncode == 2
    assert f"{bad}: Results[0].Vulnerabilities[0].VulnerabilityID: Field required" in (
        broken.stderr
    )
    assert broken.stdout == ""
