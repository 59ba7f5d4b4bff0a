"""`seaway image set --stage` (the branch and folder a pipeline names) and `--pr` (a pull
request instead of a push), on real Git remotes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from seaway.cli.main import app
from tests.gitrepo import git
from tests.promote.fixtures import show
from tests.promote.pipelines import KUSTOMIZATION, branches_repo, pipeline_yaml
from tests.promote.test_promotion import STAGES, Recorder, api  # noqa: F401 - a fixture

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["image", "set", *args], env={"COLUMNS": "200", **(env or {})})
    return result.exit_code, result.output


def test_stage_writes_to_the_stage_branch_and_folder(tmp_path: Path) -> None:
    remote = branches_repo(tmp_path, {"dev": "v1", "prod": "v1"}, pipeline_yaml(STAGES))
    prod_before = git(remote, "rev-parse", "prod")
    code, out = invoke(
        "web", "registry.example/web:v2", "--stage", "dev", "--pipeline", str(remote)
    )
    assert code == 0, out
    expected = KUSTOMIZATION.format(stage="dev", tag="v2", api="1.0")
    assert show(remote, "dev", "web/kustomization.yaml") == expected
    assert git(remote, "rev-parse", "prod") == prod_before


def test_an_unknown_stage_is_bad_input_and_changes_nothing(tmp_path: Path) -> None:
    remote = branches_repo(tmp_path, {"dev": "v1", "prod": "v1"}, pipeline_yaml(STAGES))
    before = git(remote, "rev-parse", "dev")
    code, out = invoke("web", "registry.example/web:v2", "--stage", "qa", "--pipeline", str(remote))
    assert code == 2
    assert "no stage 'qa' (stages: dev, prod)" in out
    assert git(remote, "rev-parse", "dev") == before


def test_stage_without_a_pipeline_is_bad_input() -> None:
    code, out = invoke("web", "registry.example/web:v2", "--stage", "dev")
    assert code == 2
    assert "--stage needs the pipeline" in out


@pytest.mark.usefixtures("api")
def test_pr_pushes_a_branch_and_opens_a_pull_request(tmp_path: Path, api: str) -> None:  # noqa: F811
    spec = {"provider": "github", "apiURL": api, "repository": "o/env"}
    remote = branches_repo(
        tmp_path, {"dev": "v1", "prod": "v1"}, pipeline_yaml(STAGES, pullRequest=spec)
    )
    before = git(remote, "rev-parse", "dev")
    code, out = invoke(
        "web",
        "registry.example/web:v2",
        "--stage",
        "dev",
        "--pipeline",
        str(remote),
        "--pr",
        env={"SEAWAY_PR_TOKEN": "s3cret"},
    )
    assert code == 0, out
    assert "opened https://github.example/o/env/pull/7" in out
    assert git(remote, "rev-parse", "dev") == before
    branch = "seaway/image-dev-web-v2"
    expected = KUSTOMIZATION.format(stage="dev", tag="v2", api="1.0")
    assert show(remote, branch, "web/kustomization.yaml") == expected
    [seen] = Recorder.seen
    assert seen["json"]["head"] == branch
    assert seen["json"]["base"] == "dev"
    assert seen["headers"]["Authorization"] == "Bearer s3cret"


def test_pr_without_pull_request_settings_is_bad_input(tmp_path: Path) -> None:
    remote = branches_repo(tmp_path, {"dev": "v1", "prod": "v1"}, pipeline_yaml(STAGES))
    before = git(remote, "rev-parse", "dev")
    code, out = invoke(
        "web", "registry.example/web:v2", "--stage", "dev", "--pipeline", str(remote), "--pr"
    )
    assert code == 2
    assert "spec.pullRequest" in out
    assert git(remote, "rev-parse", "dev") == before
