"""Git generators on a real repo with dev and prod branches, read through Seaway's repo cache
(ls-remote, a mirror, a checkout per commit)."""

from __future__ import annotations

from pathlib import Path

import pytest

from seaway.appset import GeneratorError, Inputs, Mode, generate
from seaway.controller.appsets import RepoGit
from seaway.model.applicationset import Generator
from seaway.source import RepoCache
from tests.appset.repos import env_repo
from tests.gitrepo import Upstream

GO = Mode(go_template=True)


@pytest.fixture
def repo(tmp_path: Path) -> Upstream:
    return env_repo(tmp_path / "env")


@pytest.fixture
def git(tmp_path: Path) -> RepoGit:
    return RepoGit(RepoCache(tmp_path / "cache"))


def run(spec: dict[str, object], git: RepoGit, mode: Mode = GO) -> list[dict[str, object]]:
    return generate(Generator.model_validate(spec), Inputs(git=git), mode).params


def test_directories_per_branch_with_path_parameters(repo: Upstream, git: RepoGit) -> None:
    spec = {"git": {"repoURL": repo.url, "revision": "dev", "directories": [{"path": "apps/*"}]}}
    found = run(spec, git)
    assert [p["path"] for p in found] == [
        {
            "path": "apps/api",
            "basename": "api",
            "basenameNormalized": "api",
            "segments": ["apps", "api"],
        },
        {
            "path": "apps/web",
            "basename": "web",
            "basenameNormalized": "web",
            "segments": ["apps", "web"],
        },
    ]
    prod = run({"git": {**spec["git"], "revision": "prod"}}, git)  # type: ignore[dict-item]
    assert [p["path"]["basename"] for p in prod] == ["web"]  # type: ignore[index]
    assert git.resolved[(repo.url, "prod")] == repo.git("rev-parse", "prod")


def test_directories_plain_form_exclusions_and_prefix(repo: Upstream, git: RepoGit) -> None:
    spec = {
        "git": {
            "repoURL": repo.url,
            "revision": "dev",
            "directories": [
                {"path": "*"},
                {"path": "apps/*"},
                {"path": "apps/api", "exclude": True},
            ],
            "pathParamPrefix": "app",
        }
    }
    found = run(spec, git, Mode())
    # Hidden folders (.github) are never generated; apps/api is excluded.
    assert found == [
        {
            "app.path": "apps",
            "app.path.basename": "apps",
            "app.path.basenameNormalized": "apps",
            "app.path[0]": "apps",
        },
        {
            "app.path": "apps/web",
            "app.path.basename": "web",
            "app.path.basenameNormalized": "web",
            "app.path[0]": "apps",
            "app.path[1]": "web",
        },
    ]


def test_files_flatten_their_keys_per_branch(repo: Upstream, git: RepoGit) -> None:
    found = run(
        {
            "git": {
                "repoURL": repo.url,
                "revision": "prod",
                "files": [{"path": "env.yaml"}],
                "values": {"where": "{{region}}-{{size.replicas}}"},
            }
        },
        git,
        Mode(),
    )
    assert found == [
        {
            "region": "us",
            "size.replicas": "3",
            "path": ".",
            "path.basename": ".",
            "path.basenameNormalized": "",
            "path[0]": ".",
            "path.filename": "env.yaml",
            "path.filenameNormalized": "env.yaml",
            "values.where": "us-3",
        }
    ]
    nested = run(
        {"git": {"repoURL": repo.url, "revision": "dev", "files": [{"path": "apps/**/*.yaml"}]}},
        git,
    )
    assert sorted((p["metadata"]["name"], p["path"]["path"]) for p in nested) == [  # type: ignore[index]
        ("api", "apps/api"),
        ("web", "apps/web"),
    ]


def test_a_new_commit_is_seen_on_the_next_generation(repo: Upstream, git: RepoGit) -> None:
    spec = {"git": {"repoURL": repo.url, "revision": "prod", "directories": [{"path": "apps/*"}]}}
    assert len(run(spec, git)) == 1
    repo.commit({"apps/api/cm.yaml": "{}\n"}, "api to prod", branch="prod")
    assert [p["path"]["basename"] for p in run(spec, git)] == ["api", "web"]  # type: ignore[index]


def test_unknown_revision_and_bad_file_are_errors_naming_the_generator(
    repo: Upstream, git: RepoGit
) -> None:
    spec = {"git": {"repoURL": repo.url, "revision": "qa", "directories": [{"path": "*"}]}}
    with pytest.raises(GeneratorError, match=r"generator.git: .* at qa"):
        run(spec, git)
    repo.commit({"bad.json": "[1, 2]"}, "bad", branch="dev")
    with pytest.raises(GeneratorError, match=r"bad\.json must hold an object"):
        run({"git": {"repoURL": repo.url, "revision": "dev", "files": [{"path": "bad.json"}]}}, git)
