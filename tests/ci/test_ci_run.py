"""`seaway ci run` end to end, as a real process: a real app Git repo with a real unit test, the
real crane registry and a real environment repo (a bare Git repo the write-back pushes to).

Grype is not installed here and its vulnerability database cannot be downloaded, so the scan
step is given a Grype JSON report (--scan-report), and the tests check that the output says so.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.gates.reports import grype_match, grype_report
from tests.gitrepo import Upstream, git
from tests.oci_registry import Registry
from tests.promote.fixtures import make_remote, show

SEAWAY = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "seaway"
PYTHON = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "python"

APP = """\
def greet(name: str) -> str:
    return f"hello, {name}"
"""
PASSING_TEST = """\
import unittest

from app import greet


class GreetTest(unittest.TestCase):
    def test_greet(self) -> None:
        self.assertEqual(greet("sea"), "hello, sea")
"""
FAILING_TEST = PASSING_TEST.replace('"hello, sea"', '"goodbye"')

DEPLOYMENT = """\
# dev: the web app; the image line is CI's to change
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # keep this comment
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: web
          image: {image}:0.1.0 # set by CI
          ports: [{{containerPort: 8080}}]
"""


@dataclass
class Setup:
    app: Upstream
    env: Path
    repository: str
    image: str
    deployment: str
    policy: Path
    clean_report: Path
    critical_report: Path
    keys: Path


def _seaway(*args: str, cwd: Path, path: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1", "GIT_CONFIG_NOSYSTEM": "1"}
    if path:
        env["PATH"] = f"{path}{os.pathsep}{env['PATH']}"
    env.update(
        GIT_AUTHOR_NAME="CI Bot",
        GIT_AUTHOR_EMAIL="ci@example.test",
        GIT_COMMITTER_NAME="CI Bot",
        GIT_COMMITTER_EMAIL="ci@example.test",
    )
    return subprocess.run(
        [str(SEAWAY), *args], cwd=cwd, capture_output=True, text=True, env=env, check=False,
        timeout=300,
    )  # fmt: skip


@pytest.fixture
def setup(tmp_path: Path, oci_registry: Registry, request: pytest.FixtureRequest) -> Setup:
    repository = f"shop/{request.node.name.replace('_', '-').lower()[:40]}"
    image = f"{oci_registry.host}/{repository}"
    keys = tmp_path / "keys"
    made = _seaway("key", "generate", "--out", str(keys), "--name", "ci", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    deployment = DEPLOYMENT.format(image=image)
    env = make_remote(tmp_path / "env", {"dev/deployment.yaml": deployment})
    app = Upstream(tmp_path / "app")
    config = {
        "test": {"command": [str(PYTHON), "-m", "unittest", "-q"], "suite": "unit"},
        "image": {"repository": image, "files": ["app.py"]},
        "scan": {"failOn": "high"},
        "attest": {"key": str(keys / "ci.key")},
        "deploy": {"repo": str(env), "branch": "dev", "path": "dev", "stage": "dev"},
        "insecureRegistries": [oci_registry.host],
    }
    app.commit(
        {
            "app.py": APP,
            "test_app.py": PASSING_TEST,
            ".seaway-ci.yaml": json.dumps(config, indent=2),
        },
        "the web app",
    )
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "stages:\n  dev:\n    trustedKeys: [{path: keys/ci.pub}]\n    require:\n"
        "      - {predicateType: test-result, passed: true}\n"
        "      - {predicateType: scan, failOn: high}\n"
    )
    clean = tmp_path / "grype-clean.json"
    clean.write_text(
        json.dumps(grype_report([grype_match("CVE-2024-0005", "Medium", "curl", "7")]))
    )
    critical = tmp_path / "grype-critical.json"
    critical.write_text(
        json.dumps(
            grype_report(
                [grype_match("CVE-2024-0001", "Critical", "openssl", "3.0.11-1", fixed_in=("3",))]
            )
        )
    )
    return Setup(app, env, repository, image, deployment, policy, clean, critical, keys)


def _attestation_tags(registry: Registry, image: str) -> list[str]:
    tags = registry.run("ls", image).splitlines()
    return [tag for tag in tags if tag.endswith(".att")]


def test_a_commit_goes_to_dev(setup: Setup, oci_registry: Registry) -> None:
    commit = setup.app.git("rev-parse", "HEAD")
    done = _seaway("ci", "run", "--scan-report", str(setup.clean_report), cwd=setup.app.path)
    assert done.returncode == 0, done.stdout + done.stderr
    tag = f"{setup.image}:{commit[:12]}"
    digest = oci_registry.run("digest", tag)
    pinned = f"{setup.image}@{digest}"
    output = " ".join(done.stdout.split())
    for step in ("[ok] test:", "[ok] build:", "[ok] scan:", "[ok] attest:", "[ok] deploy:"):
        assert step in output
    # The supplied report names another image: said plainly, since nothing here scanned this one.
    assert "warning: the report is about registry.example.com/shop/api:1.4.2" in output
    # The scan is never passed off as one that ran here.
    assert "supplied report" in output
    assert "no scanner ran here" in output
    assert f"done: {pinned} is in dev" in output

    # The layer holds the app's files under the prefix, and nothing else.
    listing = subprocess.run(
        ["tar", "-t"], input=_export(oci_registry, pinned), capture_output=True, check=True
    ).stdout.decode()
    assert listing.split() == ["app/app.py"]

    verified = _seaway(
        "verify", pinned, "--policy", str(setup.policy), "--stage", "dev",
        "--insecure-registry", oci_registry.host, "--json", cwd=setup.app.path,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["allowed"] is True

    # The signing key's private half never reaches the output.
    private = (setup.keys / "ci.key").read_text().splitlines()[1]
    assert private not in done.stdout + done.stderr + verified.stdout + verified.stderr

    expected = setup.deployment.replace(f"{setup.image}:0.1.0", pinned)
    assert show(setup.env, "dev", "dev/deployment.yaml") == expected
    assert pinned in git(setup.env, "log", "-1", "--format=%s", "dev")


def _export(registry: Registry, image: str) -> bytes:
    return subprocess.run(
        [str(registry.crane), "export", image, "-", "--insecure"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout


def test_a_failing_unit_test_stops_before_build(setup: Setup, oci_registry: Registry) -> None:
    setup.app.commit({"test_app.py": FAILING_TEST}, "break the test")
    before = git(setup.env, "rev-parse", "dev")
    done = _seaway("ci", "run", "--scan-report", str(setup.clean_report), cwd=setup.app.path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[FAILED] test: unit tests failed (exit code 1)" in done.stdout
    assert "not run: build, scan, attest, deploy" in " ".join(done.stderr.split())
    assert "[..] build:" not in done.stdout
    listed = subprocess.run(
        [str(oci_registry.crane), "ls", setup.image, "--insecure"], capture_output=True, check=False
    )
    assert listed.returncode != 0 or not listed.stdout.strip()
    assert git(setup.env, "rev-parse", "dev") == before
    assert show(setup.env, "dev", "dev/deployment.yaml") == setup.deployment


def test_a_critical_finding_stops_at_the_scan_gate(setup: Setup, oci_registry: Registry) -> None:
    before = git(setup.env, "rev-parse", "dev")
    done = _seaway("ci", "run", "--scan-report", str(setup.critical_report), cwd=setup.app.path)
    assert done.returncode == 1, done.stdout + done.stderr
    output = " ".join(done.stdout.split())
    assert "[ok] build:" in output
    assert "[FAILED] scan: 1 vulnerabilities at high or above (CVE-2024-0001)" in output
    assert "supplied report" in output
    assert "not run: attest, deploy" in " ".join(done.stderr.split())
    # Built and pushed, but never attested nor deployed.
    assert oci_registry.run("ls", setup.image).splitlines()
    assert _attestation_tags(oci_registry, setup.image) == []
    assert git(setup.env, "rev-parse", "dev") == before


def test_bad_config_names_the_field_and_runs_nothing(setup: Setup, oci_registry: Registry) -> None:
    config = json.loads((setup.app.path / ".seaway-ci.yaml").read_text())
    config["scan"]["failOn"] = "severe"
    config["image"]["fles"] = ["x"]
    setup.app.commit({".seaway-ci.yaml": json.dumps(config)}, "typo")
    done = _seaway("ci", "run", "--scan-report", str(setup.clean_report), cwd=setup.app.path)
    assert done.returncode == 2, done.stdout + done.stderr
    message = " ".join(done.stderr.split())
    assert ".seaway-ci.yaml: " in message
    assert "scan.failOn" in message
    assert "image.fles" in message
    assert "Nothing was run" in message
    assert "[..]" not in done.stdout


def test_without_grype_or_a_report_nothing_runs(setup: Setup) -> None:
    done = _seaway("ci", "run", cwd=setup.app.path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "grype is not on PATH and no report is given" in " ".join(done.stderr.split())


def test_grype_on_path_scans_the_pushed_digest(setup: Setup, oci_registry: Registry) -> None:
    """Grype's vulnerability database cannot be downloaded here, so a stand-in `grype` on PATH
    records how it was called and prints a Grype JSON report: this checks the call, not Grype."""
    bin_dir = setup.app.path.parent / "bin"
    bin_dir.mkdir()
    calls = bin_dir / "calls.json"
    grype = bin_dir / "grype"
    grype.write_text(
        f"#!{PYTHON}\n"
        "import json, os, sys\n"
        f"open({str(calls)!r}, 'w').write(json.dumps("
        "[sys.argv[1:], os.environ.get('GRYPE_REGISTRY_INSECURE_USE_HTTP')]))\n"
        f"sys.stdout.write(open({str(setup.clean_report)!r}).read())\n"
    )
    grype.chmod(0o755)
    done = _seaway("ci", "run", cwd=setup.app.path, path=str(bin_dir))
    assert done.returncode == 0, done.stdout + done.stderr
    digest = oci_registry.run("digest", f"{setup.image}:{setup.app.git('rev-parse', 'HEAD')[:12]}")
    argv, insecure = json.loads(calls.read_text())
    assert argv == [f"registry:{setup.image}@{digest}", "-o", "json"]
    assert insecure == "true"
    output = " ".join(done.stdout.split())
    assert f"[..] scan: fail on high: grype ({grype})" in output
    assert "supplied report" not in output
