"""`seaway key`, `seaway attest` and `seaway verify`: exit codes, output, no key material shown."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from seaway.cli.main import app
from tests.gates.reports import mixed_grype_report

runner = CliRunner()
WIDE = {"COLUMNS": "250", "NO_COLOR": "1"}
SEAWAY = Path(sys.executable).with_name("seaway")
DIGEST = "sha256:" + "ab" * 32
IMAGE = f"registry.example.com/shop/api:1.4.2@{DIGEST}"


def _run(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, list(args), env={**WIDE, **(env or {})})


def _pem_bodies(folder: Path) -> list[str]:
    """The base64 lines of every private key: none may ever appear in any output."""
    lines = []
    for path in folder.glob("*.key"):
        lines += [line for line in path.read_text().splitlines() if "-----" not in line]
    return lines


@pytest.fixture
def setup(tmp_path: Path) -> Path:
    keys = tmp_path / "keys"
    for name, algorithm in (("ci", "ecdsa-p256"), ("release", "ed25519")):
        result = _run(
            "key", "generate", "--out", str(keys), "--name", name, "--algorithm", algorithm
        )
        assert result.exit_code == 0, result.output
        assert "Generated" in result.stdout
        assert (keys / f"{name}.key").stat().st_mode & 0o777 == 0o600
    (tmp_path / "policy.yaml").write_text(
        """
stages:
  prod:
    trustedKeys: [{path: keys/ci.pub}]
    require:
      - {predicateType: test-result, passed: true}
      - {predicateType: scan, failOn: critical}
      - predicateType: approval
        approvers: [alice@example.com]
        trustedKeys: [{path: keys/release.pub}]
"""
    )
    (tmp_path / "grype.json").write_text(json.dumps(mixed_grype_report()))
    return tmp_path


def _attest_all(tmp: Path, store: Path) -> list[Any]:
    base = ("attest", "--image", IMAGE, "--store", str(store))
    ci = ("--key", str(tmp / "keys" / "ci.key"))
    return [
        _run(*base, "--predicate-type", "test-result", "--passed", "--suite", "unit", *ci),
        _run(
            *base,
            "--predicate-type",
            "scan",
            "--from-scan",
            str(tmp / "grype.json"),
            "--fail-on",
            "critical",
            "--allow",
            "CVE-2024-0001",
            "--allow",
            "CVE-2024-0002",
            *ci,
        ),
        _run(
            *base,
            "--predicate-type",
            "approval",
            "--approver",
            "alice@example.com",
            "--stage",
            "prod",
            "--key",
            str(tmp / "keys" / "release.key"),
        ),
    ]


def test_attest_then_verify_allowed(setup: Path) -> None:
    store = setup / "attestations"
    for result in _attest_all(setup, store):
        assert result.exit_code == 0, result.output
        assert "Signed " in result.stderr
    names = sorted(p.name for p in (store / ("ab" * 32)).iterdir())
    assert names == [
        "approval-prod-alice_example.com.dsse.json",
        "scan.dsse.json",
        "test-result.dsse.json",
    ]
    result = _run("verify", IMAGE, "--policy", str(setup / "policy.yaml"), "--store", str(store))
    assert result.exit_code == 0, result.output
    assert f"Attestations for registry.example.com/shop/api@{DIGEST}, stage prod" in result.stdout
    assert "satisfied" in result.stdout
    assert f"ALLOWED: {DIGEST} may enter prod" in result.stdout
    data = json.loads(
        _run(
            "verify", IMAGE, "--policy", str(setup / "policy.yaml"), "--store", str(store), "--json"
        ).stdout
    )
    assert data["allowed"] is True
    assert len(data["satisfied"]) == 3


def test_verify_refuses_with_exit_1_and_says_why(setup: Path) -> None:
    store = setup / "attestations"
    _attest_all(setup, store)
    (store / ("ab" * 32) / "approval-prod-alice_example.com.dsse.json").unlink()
    result = _run("verify", IMAGE, "--policy", str(setup / "policy.yaml"), "--store", str(store))
    assert result.exit_code == 1, result.output
    assert f"no approval attestation for {DIGEST} signed by a trusted key" in result.stdout
    assert "REFUSED" in result.stdout


def test_tampered_file_is_refused(setup: Path) -> None:
    out = setup / "t.json"
    result = _run(
        "attest", "--image", IMAGE, "--predicate-type", "test-result", "--failed",
        "--failures", "2", "--key", str(setup / "keys" / "ci.key"), "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    envelope = json.loads(out.read_text())
    payload = base64.b64decode(envelope["payload"]).replace(b'"passed":false', b'"passed":true')
    payload = payload.replace(b'"failed":2', b'"failed":0')
    envelope["payload"] = base64.b64encode(payload).decode()
    out.write_text(json.dumps(envelope))
    result = _run(
        "verify", IMAGE, "--policy", str(setup / "policy.yaml"), "--attestation", str(out)
    )
    assert result.exit_code == 1
    assert "does not verify: the payload or the signature was modified after signing" in (
        result.stdout
    )


def test_predicate_file_is_validated_before_signing(setup: Path) -> None:
    predicate = setup / "p.json"
    predicate.write_text(json.dumps({"suite": "unit", "passed": True, "failed": 1}))
    result = _run(
        "attest", "--image", IMAGE, "--predicate-type", "test-result", "--predicate",
        str(predicate), "--key", str(setup / "keys" / "ci.key"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert f"error: {predicate}: passed is true but failed is 1" in result.stderr
    predicate.write_text(json.dumps({"suite": "unit", "passed": True}))
    result = _run(
        "attest", "--image", IMAGE, "--predicate-type", "test-result", "--predicate",
        str(predicate), "--key", str(setup / "keys" / "ci.key"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["payloadType"] == "application/vnd.in-toto+json"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--image", "registry.example.com/shop/api:1.4.2"), "is not pinned by digest"),
        (("--predicate-type", "scan"), "needs --predicate FILE, or --from-scan and --fail-on"),
        (("--key", "nope.key"), "nope.key: cannot read"),
    ],
)
def test_attest_bad_input_exits_2(setup: Path, args: tuple[str, ...], message: str) -> None:
    options = {
        "--image": IMAGE,
        "--predicate-type": "test-result",
        "--key": str(setup / "keys" / "ci.key"),
    }
    options.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [item for pair in options.items() for item in pair]
    result = _run("attest", *flat, "--passed")
    assert result.exit_code == 2
    assert message in result.stderr


def test_verify_bad_input_exits_2(setup: Path) -> None:
    policy = str(setup / "policy.yaml")
    # Without --store or --attestation the registry is asked, and a bare digest names none.
    result = _run("verify", DIGEST, "--policy", policy)
    assert result.exit_code == 2
    assert "names no repository: give REGISTRY/REPOSITORY@sha256:" in result.stderr
    result = _run("verify", IMAGE, "--policy", policy, "--store", str(setup), "--stage", "qa")
    assert result.exit_code == 2
    assert f"{policy}: stages: no stage 'qa' (has prod)" in result.stderr
    (setup / "bad.yaml").write_text("stages: {prod: {require: []}}")
    result = _run("verify", IMAGE, "--policy", str(setup / "bad.yaml"), "--store", str(setup))
    assert result.exit_code == 2
    assert "bad.yaml: stages.prod.trustedKeys: Field required" in result.stderr


def test_encrypted_key_needs_its_password(tmp_path: Path) -> None:
    env = {"ATTEST_PASSWORD": "a long passphrase"}
    result = _run(
        "key", "generate", "--out", str(tmp_path), "--password-env", "ATTEST_PASSWORD", env=env
    )
    assert result.exit_code == 0, result.output
    assert "ENCRYPTED PRIVATE KEY" in (tmp_path / "attest.key").read_text()
    key = str(tmp_path / "attest.key")
    result = _run("key", "public", "--key", key)
    assert result.exit_code == 2
    assert "the key is encrypted: give its password" in result.stderr
    result = _run("key", "public", "--key", key, "--password-env", "ATTEST_PASSWORD", env=env)
    assert result.exit_code == 0
    assert result.stdout == (tmp_path / "attest.pub").read_text()
    again = _run("key", "generate", "--out", str(tmp_path))
    assert again.exit_code == 2
    assert "already exists; not overwriting a key" in again.stderr
    for output in (result.output, again.output):
        for line in _pem_bodies(tmp_path):
            assert line not in output


def test_real_subprocess_and_no_private_key_in_any_output(setup: Path) -> None:
    store = setup / "attestations"
    outputs = []
    for args in (
        ("key", "generate", "--out", str(setup / "more")),
        ("key", "public", "--key", str(setup / "keys" / "ci.key")),
        ("attest", "--image", IMAGE, "--predicate-type", "test-result", "--passed",
         "--key", str(setup / "keys" / "ci.key"), "--store", str(store)),
        ("attest", "--image", IMAGE, "--predicate-type", "approval", "--approver",
         "alice@example.com", "--stage", "prod", "--key", str(setup / "keys" / "release.key"),
         "--store", str(store)),
        ("attest", "--image", IMAGE, "--predicate-type", "scan", "--from-scan",
         str(setup / "grype.json"), "--fail-on", "critical", "--key",
         str(setup / "keys" / "ci.key"), "--store", str(store)),
        ("attest", "--image", IMAGE, "--predicate-type", "scan", "--key", str(setup / "grype.json"),
         "--from-scan", str(setup / "grype.json"), "--fail-on", "high"),
    ):  # fmt: skip
        done = subprocess.run(
            [str(SEAWAY), *args], capture_output=True, text=True, check=False, env=None
        )
        outputs.append(done.stdout + done.stderr)
    assert "not a PEM private key" in outputs[-1]
    done = subprocess.run(
        [str(SEAWAY), "verify", IMAGE, "--policy", str(setup / "policy.yaml"), "--store",
         str(store)],
        capture_output=True, text=True, check=False, env={"COLUMNS": "250", "NO_COLOR": "1"},
    )  # fmt: skip
    outputs.append(done.stdout + done.stderr)
    # Unallowed critical findings: the scan condition refuses.
    assert done.returncode == 1, done.stdout + done.stderr
    assert "REFUSED" in done.stdout
    done = subprocess.run(
        [str(SEAWAY), "verify", IMAGE, "--policy", str(setup / "policy.yaml"), "--store",
         str(store), "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    outputs.append(done.stdout + done.stderr)
    assert done.returncode == 1
    (missing,) = json.loads(done.stdout)["missing"]
    assert missing.startswith("scan attestation ")
    assert "at critical or above: CVE-2024-0001 (critical)" in missing
    bodies = _pem_bodies(setup / "keys") + _pem_bodies(setup / "more")
    assert len(bodies) >= 3
    for output in outputs:
        for line in bodies:
            assert line not in output
        assert "PRIVATE KEY-----\n" not in output
