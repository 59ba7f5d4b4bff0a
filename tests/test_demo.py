"""`seaway demo` as a person runs it: the README's first command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SEAWAY = str(Path(sys.executable).with_name("seaway"))


def _webapps(under: Path) -> list[int]:
    """The demo's web service processes started from `under` (replicas inherit the demo's working
    directory): other runs on the machine (benches, other tests) are not this demo's."""
    done = subprocess.run(["pgrep", "-f", "seaway.demo.webapp"], capture_output=True, check=False)
    found = []
    for pid in (int(p) for p in done.stdout.split()):
        try:
            cwd = Path(f"/proc/{pid}/cwd").resolve(strict=True)
        except OSError:
            continue  # gone already
        if cwd.is_relative_to(under.resolve()):
            found.append(pid)
    return found


def test_demo_tells_the_story_and_stops_everything(tmp_path: Path) -> None:
    done = subprocess.run(
        [SEAWAY, "demo", "--exit", "--dir", str(tmp_path / "demo")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for step in (
        "v1 deployed to dev",
        "v1 deployed to prod",
        "CI writes v2's tag into dev; dev syncs",
        "prod gets v2 through a canary 10% -> 50% -> 100%",
        "A broken v3 reaches dev; its sanity checks fail",
        "v3 promoted to prod anyway: its canary fails the checks and rolls back by itself",
        "v3 reverted in Git; dev and prod on v2",
    ):
        assert f"✓ {step}" in out, out
    assert "9 steps done, 0 not built yet, 0 failed" in out
    assert "GET /items: 500, expected 200" in out
    flat = " ".join(out.split())
    # The canary's weights, seen in the split of real requests at each step.
    assert "canary 10% (v1 18, v2 2 of 20 requests) -> 50% (v1 10, v2 10 of 20 requests)" in flat
    assert "metric sanity-checks = 2/8" in flat
    assert "traffic back on v2" in flat
    assert "(v2 20 of 20 requests); web-prod Degraded" in flat
    # The environment repo is real: dev's history holds v1, v2, v3 and the revert.
    log = subprocess.run(
        ["git", "log", "--format=%s", "dev"],
        cwd=tmp_path / "demo" / "env-repo",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert log.splitlines()[:3] == [
        'Revert "CI: web v3 (image tag v3)"',
        "CI: web v3 (image tag v3)",
        "CI: web v2 (image tag v2)",
    ]
    assert _webapps(tmp_path) == []
    logs = subprocess.run(
        [SEAWAY, "logs", "web-dev", "--data-dir", str(tmp_path / "demo" / "data"), "--tail", "5"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert logs.returncode == 0, logs.stderr
    assert '"POST /items HTTP/1.1" 201' in logs.stdout
    assert "demo-dev_web-" in logs.stdout


def test_demo_refuses_a_folder_with_something_in_it(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    done = subprocess.run(
        [SEAWAY, "demo", "--exit", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "not empty" in done.stdout
    assert (tmp_path / "keep.txt").read_text() == "mine"
