"""`seaway demo` as a person runs it: the README's first command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SEAWAY = str(Path(sys.executable).with_name("seaway"))


def _webapps() -> int:
    done = subprocess.run(["pgrep", "-f", "seaway.demo.webapp"], capture_output=True, check=False)
    return len(done.stdout.split())


def test_demo_tells_the_story_and_stops_everything(tmp_path: Path) -> None:
    before = _webapps()
    done = subprocess.run(
        [SEAWAY, "demo", "--exit", "--dir", str(tmp_path / "demo")],
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
        "prod gets v2 by a rolling update",
        "A broken v3 reaches dev; its sanity checks fail",
        "v3 reverted in Git; dev back on v2",
    ):
        assert f"✓ {step}" in out, out
    # What is not built is said, never faked.
    assert "∅ prod gets v2 through a canary" in out
    assert "∅ v3 rolls back by itself" in out
    assert "8 steps done, 2 not built yet, 0 failed" in out
    assert "GET /items: 500, expected 200" in out
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
    assert _webapps() == before
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
