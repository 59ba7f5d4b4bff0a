"""`seaway image poll`: a new tag pushed to a real registry (crane) is written back to a real
Git repo (a bare remote) by the existing write-back, once, with a clear commit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from seaway.cli.main import app
from tests.gitrepo import git
from tests.oci_registry import Registry
from tests.promote.fixtures import log, make_remote, show

runner = CliRunner()
PREFIX = "argocd-image-updater.argoproj.io/"


def _deployment(image: str) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: {image}   # set by the image poller
"""


def _app_file(tmp: Path, remote: Path, annotations: dict[str, str]) -> Path:
    manifest = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "shop", "annotations": annotations},
        "spec": {
            "project": "default",
            "source": {"repoURL": str(remote), "targetRevision": "dev", "path": "app"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"},
        },
    }
    path = tmp / "app.yaml"
    path.write_text(yaml.safe_dump(manifest))
    return path


def _poll(registry: Registry, app_file: Path) -> Any:
    env = {"SEAWAY_INSECURE_REGISTRIES": registry.host, "COLUMNS": "200"}
    return runner.invoke(app, ["image", "poll", str(app_file)], env=env)


def test_semver_poll_writes_the_newest_allowed_tag(oci_registry: Registry, tmp_path: Path) -> None:
    repo = f"{oci_registry.host}/poll/semver"
    for tag in ("1.0.0", "1.1.0", "2.0.0", "1.2.0-rc.1"):
        oci_registry.push_image("poll/semver", tag)
    remote = make_remote(tmp_path, {"app/deploy.yaml": _deployment(f"{repo}:1.0.0")})
    app_file = _app_file(tmp_path, remote, {f"{PREFIX}image-list": f"api={repo}:^1.0"})

    first = _poll(oci_registry, app_file)
    assert first.exit_code == 0, first.output
    assert f"shop: api: set {repo}:1.1.0 (commit " in first.stdout
    assert log(remote, "dev")[0] == f"seaway: image poll sets api to {repo}:1.1.0 (semver)"
    assert show(remote, "dev", "app/deploy.yaml") == _deployment(f"{repo}:1.1.0")

    head = git(remote, "rev-parse", "dev")
    again = _poll(oci_registry, app_file)
    assert again.exit_code == 0, again.output
    assert f"shop: api: {repo}:1.1.0 is already set" in again.stdout
    assert git(remote, "rev-parse", "dev") == head

    # CI pushes a patch release: the next poll picks it up; 2.0.0 stays out of range.
    oci_registry.push_image("poll/semver", "1.1.1")
    third = _poll(oci_registry, app_file)
    assert third.exit_code == 0, third.output
    assert show(remote, "dev", "app/deploy.yaml") == _deployment(f"{repo}:1.1.1")
    assert git(remote, "rev-parse", "dev~1") == head


def test_newest_build_goes_by_the_created_label(oci_registry: Registry, tmp_path: Path) -> None:
    repo = f"{oci_registry.host}/poll/newest"
    built = {"main-1": "2026-01-01T00:00:00Z", "main-3": "2026-01-02T00:00:00Z"}
    built |= {"main-2": "2026-01-05T10:00:00Z", "debug-9": "2026-02-01T00:00:00Z"}
    for tag, when in built.items():
        oci_registry.push_image(
            "poll/newest", tag, labels={"org.opencontainers.image.created": when}
        )
    remote = make_remote(tmp_path, {"app/deploy.yaml": _deployment(f"{repo}:main-1")})
    app_file = _app_file(
        tmp_path,
        remote,
        {
            f"{PREFIX}image-list": f"api={repo}",
            f"{PREFIX}api.update-strategy": "newest-build",
            f"{PREFIX}api.allow-tags": "regexp:^main-",
        },
    )
    result = _poll(oci_registry, app_file)
    assert result.exit_code == 0, result.output
    assert show(remote, "dev", "app/deploy.yaml") == _deployment(f"{repo}:main-2")


def test_digest_strategy_follows_a_moving_tag(oci_registry: Registry, tmp_path: Path) -> None:
    repo = f"{oci_registry.host}/poll/digest"
    first = oci_registry.push_image("poll/digest", "stable", content="build 1")
    remote = make_remote(tmp_path, {"app/deploy.yaml": _deployment(f"{repo}:stable")})
    app_file = _app_file(
        tmp_path,
        remote,
        {f"{PREFIX}image-list": f"api={repo}:stable", f"{PREFIX}api.update-strategy": "digest"},
    )
    assert _poll(oci_registry, app_file).exit_code == 0
    assert show(remote, "dev", "app/deploy.yaml") == _deployment(f"{repo}:stable@{first}")

    second = oci_registry.push_image("poll/digest", "stable", content="build 2")
    assert second != first
    assert _poll(oci_registry, app_file).exit_code == 0
    assert show(remote, "dev", "app/deploy.yaml") == _deployment(f"{repo}:stable@{second}")


def test_failures_are_reported_per_image(oci_registry: Registry, tmp_path: Path) -> None:
    repo = f"{oci_registry.host}/poll/partial"
    oci_registry.push_image("poll/partial", "1.0.0")
    oci_registry.push_image("poll/partial", "1.0.1")
    remote = make_remote(tmp_path, {"app/deploy.yaml": _deployment(f"{repo}:1.0.0")})
    listed = f"gone={oci_registry.host}/poll/never-pushed:^1, api={repo}:~1.0"
    app_file = _app_file(tmp_path, remote, {f"{PREFIX}image-list": listed})
    result = _poll(oci_registry, app_file)
    assert result.exit_code == 1, result.output
    assert "shop: gone: error: " in result.stdout
    assert "NAME_UNKNOWN" in result.stdout
    # The other image still went ahead.
    assert show(remote, "dev", "app/deploy.yaml") == _deployment(f"{repo}:1.0.1")

    bad = _app_file(tmp_path, remote, {f"{PREFIX}image-list": f"api={repo}:^banana"})
    refused = _poll(oci_registry, bad)
    assert refused.exit_code == 2
    assert "'banana' is not a version" in refused.stderr
