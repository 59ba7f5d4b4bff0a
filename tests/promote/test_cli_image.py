"""`seaway image set` through Typer's runner and as a real process."""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import seaway.cli.image as image_cli
from seaway.cli.main import app
from seaway.promote.writeback import write_back
from tests.gitrepo import git
from tests.promote.fixtures import (
    DIGEST,
    KUSTOMIZATION,
    MULTI_DOC,
    log,
    make_remote,
    push_from_clone,
    show,
)

runner = CliRunner()
SEAWAY = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "seaway"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return make_remote(
        tmp_path, {"app/web.yaml": MULTI_DOC, "dev/kustomization.yaml": KUSTOMIZATION}
    )


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["image", "set", *args], terminal_width=400)
    return result.exit_code, result.output


def test_set_commits_and_pushes(remote: Path) -> None:
    code, output = invoke(
        "app",
        "registry.example/web:v2",
        "--repo",
        str(remote),
        "--branch",
        "dev",
        "--author",
        "Release Bot <bot@example.test>",
    )
    assert code == 0, output
    message = "seaway: set web image to registry.example/web:v2 in dev (app/web.yaml)"
    assert message in output
    assert log(remote, "dev")[0] == message
    assert git(remote, "log", "-1", "--format=%an <%ae>", "dev") == "Release Bot <bot@example.test>"


def test_nothing_to_do_exits_0_without_a_commit(remote: Path) -> None:
    before = git(remote, "rev-parse", "dev")
    code, output = invoke(
        "dev", "registry.example/web:v1", "--repo", str(remote), "--branch", "dev"
    )
    assert code == 0, output
    assert "already set" in output
    assert "nothing to do" in output
    assert git(remote, "rev-parse", "dev") == before


def test_dry_run_shows_the_diff(remote: Path) -> None:
    before = git(remote, "rev-parse", "dev")
    code, output = invoke(
        "x",
        f"registry.example/web@{DIGEST}",
        "--path",
        "dev/",
        "--repo",
        str(remote),
        "--branch",
        "dev",
        "--dry-run",
    )
    assert code == 0, output
    assert f"+    digest: {DIGEST}" in output
    assert "-    newTag: v1 # bumped by CI" in output
    assert "dry run" in output
    assert git(remote, "rev-parse", "dev") == before


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("app", "Registry/Web:v2"), "is not a valid image name"),
        (
            ("app", "registry.example/db:1"),
            "no image named registry.example/db in dev:app/ (images found: "
            "registry.example/proxy:3.2, registry.example/web:v1)",
        ),
        (("broken", "registry.example/web:v2"), "broken/bad.yaml, line 2: invalid YAML"),
        (("app", "web:v2", "--author", "nobody"), "is not of the form 'Name <email>'"),
    ],
)
def test_bad_input_exits_2_and_changes_nothing(
    remote: Path, tmp_path: Path, args: tuple[str, ...], problem: str
) -> None:
    push_from_clone(remote, tmp_path / "c", {"broken/bad.yaml": "a: 1\n  b: 2\n"}, "broken")
    before = git(remote, "rev-parse", "dev")
    code, output = invoke(*args, "--repo", str(remote), "--branch", "dev")
    assert code == 2, output
    assert problem in " ".join(output.split())
    assert "Nothing was changed" in output
    assert git(remote, "rev-parse", "dev") == before


def test_missing_repo_is_bad_input() -> None:
    code, output = invoke("app", "web:v2")
    assert code == 2
    assert "--repo is required" in output


def test_push_rejected_every_time_exits_1(
    remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "busy"

    def another_pipeline(attempt: int) -> None:
        push_from_clone(remote, other, {f"n{attempt}.txt": "x\n"}, f"noise {attempt}")

    monkeypatch.setattr(
        image_cli, "write_back", functools.partial(write_back, before_push=another_pipeline)
    )
    code, output = invoke(
        "app",
        "registry.example/web:v2",
        "--repo",
        str(remote),
        "--branch",
        "dev",
        "--attempts",
        "2",
    )
    assert code == 1, output
    assert "gave up pushing to branch dev" in output
    assert "2 attempts" in output
    assert show(remote, "dev", "app/web.yaml") == MULTI_DOC


def test_real_process_with_token_in_the_environment(remote: Path) -> None:
    token = "glpat-very-secret-token"
    env = {
        **os.environ,
        "SEAWAY_GIT_TOKEN": token,
        "GIT_AUTHOR_NAME": "Env Author",
        "GIT_AUTHOR_EMAIL": "env@example.test",
    }
    done = subprocess.run(
        [
            str(SEAWAY),
            "image",
            "set",
            "app",
            "registry.example/web:v3",
            "--repo",
            str(remote),
            "--branch",
            "dev",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "pushed" in done.stdout
    assert token not in done.stdout + done.stderr
    assert git(remote, "log", "-1", "--format=%an <%ae>", "dev") == "Env Author <env@example.test>"
    assert "registry.example/web:v3 # the app" in show(remote, "dev", "app/web.yaml")
    failed = subprocess.run(
        [
            str(SEAWAY),
            "image",
            "set",
            "app",
            "web:v3",
            "--repo",
            f"http://127.0.0.1:9/{token}/env.git",
            "--branch",
            "dev",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert failed.returncode == 1
    assert "error" in failed.stderr


def test_application_manifest_names_repo_path_and_branch(remote: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "web-dev.yaml"
    manifest.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web-dev\n"
        f"spec:\n  project: default\n  source:\n    repoURL: {remote.as_uri()}\n"
        "    path: app\n    targetRevision: dev\n"
        "  destination:\n    server: https://kubernetes.default.svc\n    namespace: web\n"
    )
    code, output = invoke(str(manifest), "registry.example/web:v4")
    assert code == 0, output
    assert "in dev (app/web.yaml)" in output
    assert "registry.example/web:v4 # the app" in show(remote, "dev", "app/web.yaml")
    manifest.write_text("kind: Application\nmetadata: {name: x}\nspec: {}\n")
    code, output = invoke(str(manifest), "registry.example/web:v4")
    assert code == 2
    assert "is not a readable Application manifest" in " ".join(output.split())


def test_brackets_in_a_message_are_printed_as_written(remote: Path) -> None:
    code, output = invoke(
        "app",
        "registry.example/web:v5",
        "--repo",
        str(remote),
        "--branch",
        "dev",
        "--message",
        "[ci skip] web v5 [bold]",
    )
    assert code == 0, output
    assert "[ci skip] web v5 [bold]" in output
    assert log(remote, "dev")[0] == "[ci skip] web v5 [bold]"
