"""The `seaway` command as a person runs it against the real API server: install the CRDs,
create an app from a file, run the controller as a process, diff, sync, roll back."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from seaway.cluster.kubernetes import KubeRest
from tests.conftest import Kube
from tests.gitrepo import Upstream

pytestmark = pytest.mark.kube

SEAWAY = str(Path(sys.executable).with_name("seaway"))


def configmap(name: str, **data: str) -> str:
    return yaml.safe_dump(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
    )


class Cli:
    def __init__(self, kube: Kube, namespace: str, tmp: Path) -> None:
        self.env = {
            **os.environ,
            "KUBECONFIG": str(kube.kubeconfig),
            "SEAWAY_NAMESPACE": namespace,
            "SEAWAY_REPO_CACHE": str(tmp / "cli-repos"),
            "COLUMNS": "200",
        }

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SEAWAY, *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture
def setup(kube: Kube, tmp_path: Path) -> Iterator[tuple[Cli, Upstream, str]]:
    suffix = uuid.uuid4().hex[:6]
    namespace, target = f"seaway-{suffix}", f"cli-{suffix}"
    cli = Cli(kube, namespace, tmp_path)
    repo = Upstream(tmp_path / "repo")
    repo.commit({"app/settings.yaml": configmap("settings", color="blue")}, "v1")
    yield cli, repo, target

    async def cleanup() -> None:
        async with KubeRest.from_kubeconfig(kube.kubeconfig) as rest:
            for name in (target, namespace):
                await rest.delete("v1", "Namespace", name)

    asyncio.run(cleanup())


@pytest.fixture
def controller(setup: tuple[Cli, Upstream, str], tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    cli = setup[0]
    log = (tmp_path / "controller.log").open("w")
    proc = subprocess.Popen(
        [SEAWAY, "controller", "--interval", "2", "--repo-cache", str(tmp_path / "ctl-repos")],
        env={**cli.env},
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_a_person_creates_syncs_diffs_and_rolls_back(
    setup: tuple[Cli, Upstream, str], controller: subprocess.Popen[str]
) -> None:
    cli, repo, target = setup
    done = cli("install", "crds")
    assert done.returncode == 0, done.stderr
    assert "established applications.argoproj.io" in done.stdout

    manifest = yaml.safe_dump(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "web"},
            "spec": {
                "project": "default",
                "source": {"repoURL": repo.url, "targetRevision": "main", "path": "app"},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": target},
                "syncPolicy": {"syncOptions": ["CreateNamespace=true"]},
            },
        }
    )
    done = cli("app", "create", "-f", "-", stdin=manifest)
    assert done.returncode == 0, done.stderr
    assert "applied Application web" in done.stdout

    # Manual sync policy: the controller reports OutOfSync and waits for a person.
    deadline = time.monotonic() + 30
    while True:
        listing = cli("app", "list")
        if "OutOfSync" in listing.stdout:
            break
        assert time.monotonic() < deadline, listing.stdout + listing.stderr
        time.sleep(0.5)

    diff = cli("app", "diff", "web")
    assert diff.returncode == 1, diff.stderr
    assert "settings" in diff.stdout

    synced = cli("app", "sync", "web", "--timeout", "60")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "Succeeded" in synced.stdout
    first = repo.git("rev-parse", "HEAD")

    assert cli("app", "diff", "web").returncode == 0

    repo.commit({"app/settings.yaml": configmap("settings", color="green")}, "v2")
    synced = cli("app", "sync", "web", "--timeout", "60")
    assert synced.returncode == 0, synced.stdout + synced.stderr

    history = cli("app", "history", "web")
    assert history.returncode == 0
    assert first in history.stdout

    back = cli("app", "rollback", "web", "0", "--timeout", "60")
    assert back.returncode == 0, back.stdout + back.stderr
    # The rollback is a deploy of v1 and enters the history as one.
    history = cli("app", "history", "web")
    assert history.stdout.count(first) == 2, history.stdout
    # Live is v1 now, which differs from Git's head (v2): OutOfSync, as in Argo CD.
    got = cli("app", "get", "web")
    assert "OutOfSync" in got.stdout
    diff = cli("app", "diff", "web")
    assert diff.returncode == 1
    assert "green" in diff.stdout

    bad = cli("app", "rollback", "web", "42")
    assert bad.returncode == 2
    assert "no history entry 42" in bad.stderr

    as_yaml = yaml.safe_load(cli("app", "get", "web", "-o", "yaml").stdout)
    assert as_yaml["status"]["sync"]["status"] == "OutOfSync"
    listed = json.loads(cli("app", "list", "-o", "json").stdout)
    assert [a["metadata"]["name"] for a in listed] == ["web"]

    plan = cli("app", "sync", "web", "--dry-run")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "nothing was changed" in plan.stdout
    assert "v1/ConfigMap" in plan.stdout or "core/ConfigMap" in plan.stdout
    assert _live_color(cli, target) == "blue"

    gone = cli("app", "delete", "web", "--timeout", "60")
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert _live_color(cli, target) is None


def _live_color(cli: Cli, namespace: str) -> str | None:
    async def read() -> str | None:
        async with KubeRest.from_kubeconfig(Path(cli.env["KUBECONFIG"])) as rest:
            live = await rest.get("v1", "ConfigMap", "settings", namespace)
            return None if live is None else str(live["data"]["color"])

    return asyncio.run(read())


def test_bad_input_is_refused_with_the_field_named(setup: tuple[Cli, Upstream, str]) -> None:
    cli = setup[0]
    done = cli(
        "app",
        "create",
        "-f",
        "-",
        stdin="apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\n"
        "spec: {project: default, source: {repoURL: r, path: p}, destination: {}}\n",
    )
    assert done.returncode == 2
    assert "destination" in done.stderr
    assert "server or name" in done.stderr


def test_no_kubeconfig_is_a_clear_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [SEAWAY, "app", "list", "--kubeconfig", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "kubeconfig" in done.stderr


def test_controller_keeps_apps_from_a_folder_in_the_cluster(
    setup: tuple[Cli, Upstream, str], tmp_path: Path
) -> None:
    cli, repo, target = setup
    assert cli("install", "crds").returncode == 0
    folder = tmp_path / "apps"
    folder.mkdir()
    (folder / "web.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": {"name": "from-file"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": repo.url, "targetRevision": "main", "path": "app"},
                    "destination": {"name": "in-cluster", "namespace": target},
                    "syncPolicy": {"automated": {}, "syncOptions": ["CreateNamespace=true"]},
                },
            }
        )
    )
    (folder / "broken.yaml").write_text("kind: [\n")
    log = (tmp_path / "controller.log").open("w")
    proc = subprocess.Popen(
        [SEAWAY, "controller", "--apps", str(folder), "--repo-cache", str(tmp_path / "r")],
        env=cli.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            listed = cli("app", "list", "-o", "json")
            apps = json.loads(listed.stdout) if listed.returncode == 0 else []
            synced = [
                a
                for a in apps
                if a["metadata"]["name"] == "from-file"
                and (a.get("status") or {}).get("sync", {}).get("status") == "Synced"
            ]
            if synced:
                break
            assert time.monotonic() < deadline, listed.stdout + listed.stderr
            time.sleep(0.5)
        assert _live_color(cli, target) == "blue"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
        log.close()
    # The broken file was reported, and loaded nothing.
    assert "broken.yaml" in (tmp_path / "controller.log").read_text()
