"""`seaway gate test`: a test command as a gate (pass, fail, timeout), its result attested.

Real processes on this host, and a real registry (crane) for the attestation, which
`seaway verify` then reads back from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from seaway.cli.main import app
from tests.oci_registry import Registry

runner = CliRunner()
PY = sys.executable


def _run(*args: str, registry: Registry | None = None) -> Any:
    env = {"COLUMNS": "200", "NO_COLOR": "1"}
    if registry is not None:
        env["SEAWAY_INSECURE_REGISTRIES"] = registry.host
    return runner.invoke(app, list(args), env=env)


def _gate(*command: str, extra: tuple[str, ...] = (), registry: Registry | None = None) -> Any:
    image = f"example.com/shop/api@sha256:{'ab' * 32}"
    base = ("gate", "test", "--stage", "dev", "--image", image, "--json", *extra, "--")
    return _run(*base, *command, registry=registry)


def _record(result: Any) -> dict[str, Any]:
    return dict(json.loads(result.stdout[result.stdout.index("{") :]))


def test_passing_command_passes_with_its_output_digest() -> None:
    result = _gate(PY, "-c", "print('all green')")
    assert result.exit_code == 0, result.output
    record = _record(result)
    assert record["passed"] is True
    assert record["exitCode"] == 0
    assert record["timedOut"] is False
    assert record["outputDigest"] == "sha256:" + hashlib.sha256(b"all green\n").hexdigest()
    # The output is shown as it comes, for the CI log.
    assert "all green" in result.stderr
    assert "integration passed in" in result.stderr


def test_failing_command_fails() -> None:
    result = _gate(PY, "-c", "import sys; print('2 failed'); sys.exit(3)")
    assert result.exit_code == 1
    record = _record(result)
    assert (record["passed"], record["exitCode"], record["timedOut"]) == (False, 3, False)
    assert "integration failed (exit code 3)" in result.stderr


def test_timeout_stops_the_command_and_what_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    script = (
        "import subprocess, sys, time; "
        f"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
        f"open({str(pid_file)!r}, 'w').write(str(child.pid)); time.sleep(120)"
    )
    result = _gate(PY, "-c", script, extra=("--timeout", "2"))
    assert result.exit_code == 1
    record = _record(result)
    assert (record["passed"], record["exitCode"], record["timedOut"]) == (False, None, True)
    assert "integration timed out after" in result.stderr
    child = int(pid_file.read_text())
    # The whole process group was stopped: the grandchild is gone (reaped or a zombie at most).
    try:
        os.kill(child, 0)
        state = Path(f"/proc/{child}/stat").read_text().split()[2]
        assert state == "Z", f"child {child} still running (state {state})"
    except ProcessLookupError:
        pass


def test_bad_input_exits_2() -> None:
    assert "give the test command after --" in _run("gate", "test", "--stage", "dev").stderr
    missing = _gate("/nonexistent/run-tests")
    assert missing.exit_code == 2
    assert "/nonexistent/run-tests: cannot run" in missing.stderr
    no_key = _gate(PY, "-c", "pass", extra=("--attest",))
    assert no_key.exit_code == 2
    assert "--attest needs --key KEY" in no_key.stderr


@pytest.fixture
def keyed(tmp_path: Path) -> Path:
    result = runner.invoke(app, ["key", "generate", "--out", str(tmp_path), "--name", "ci"])
    assert result.exit_code == 0, result.output
    (tmp_path / "policy.yaml").write_text(
        "stages:\n  dev:\n    trustedKeys: [{path: ci.pub}]\n"
        "    require: [{predicateType: test-result, passed: true}]\n"
    )
    return tmp_path


def test_result_is_attested_in_the_registry(oci_registry: Registry, keyed: Path) -> None:
    oci_registry.push_image("gated/api", "3.0.0")
    image = f"{oci_registry.host}/gated/api:3.0.0"
    key = ("--attest", "--key", str(keyed / "ci.key"))
    policy = ("--policy", str(keyed / "policy.yaml"), "--stage", "dev", "--json")

    failed = _run(
        "gate", "test", "--stage", "dev", "--image", image, *key, "--",
        PY, "-c", "raise SystemExit(1)", registry=oci_registry,
    )  # fmt: skip
    assert failed.exit_code == 1, failed.output
    assert "Signed test-result attestation" in failed.stderr
    refused = _run("verify", image, *policy, registry=oci_registry)
    assert refused.exit_code == 1
    [missing] = json.loads(refused.stdout)["missing"]
    assert "does not pass: passed is false (suite integration failed (1 failed))" in missing

    passed = _run(
        "gate", "test", "--stage", "dev", "--image", image, "--suite", "e2e", *key, "--json",
        "--", PY, "-c", "print('ok')", registry=oci_registry,
    )  # fmt: skip
    assert passed.exit_code == 0, passed.output
    assert _record(passed)["attestation"].endswith(".att")
    allowed = _run("verify", image, *policy, registry=oci_registry)
    assert allowed.exit_code == 0, allowed.output
    [satisfied] = json.loads(allowed.stdout)["satisfied"]
    assert satisfied.startswith("test-result: suite e2e passed")
