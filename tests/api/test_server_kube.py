"""`seaway server --backend kubernetes` against the test control plane: Applications from
files kept in a namespace, the API over them, the CLI through the API, a graceful stop."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import yaml

from seaway.api.auth import INITIAL_PASSWORD_FILE
from seaway.cluster.kubernetes import KubeRest
from tests.api.live import configmap
from tests.conftest import Kube
from tests.gitrepo import Upstream

pytestmark = pytest.mark.kube

SEAWAY = str(Path(sys.executable).with_name("seaway"))


@pytest.fixture
def names(kube: Kube) -> Iterator[tuple[str, str]]:
    suffix = uuid.uuid4().hex[:6]
    namespace, target = f"seaway-{suffix}", f"api-{suffix}"
    yield namespace, target

    async def cleanup() -> None:
        async with KubeRest.from_kubeconfig(kube.kubeconfig) as rest:
            for name in (target, namespace):
                await rest.delete("v1", "Namespace", name)

    asyncio.run(cleanup())


def test_the_server_on_a_cluster(kube: Kube, names: tuple[str, str], tmp_path: Path) -> None:
    namespace, target = names
    env = {
        **os.environ,
        "KUBECONFIG": str(kube.kubeconfig),
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "share"),
        "COLUMNS": "200",
    }

    def seaway(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SEAWAY, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    assert seaway("install", "crds").returncode == 0
    repo = Upstream(tmp_path / "repo")
    repo.commit({"app/settings.yaml": configmap("settings", color="blue")})
    apps = tmp_path / "apps"
    apps.mkdir()
    app = {
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
    (apps / "web.yaml").write_text(yaml.safe_dump(app))
    data = tmp_path / "data"
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                SEAWAY,
                "server",
                "--backend",
                "kubernetes",
                "-n",
                namespace,
                "--apps",
                str(apps),
                "--data-dir",
                str(data),
                "--address",
                "127.0.0.1:0",
                "--interval",
                "5",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
    try:
        url = ""
        deadline = time.monotonic() + 90
        while not url and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
            found = re.search(r"listening on (http://\S+)", log_path.read_text())
            url = found.group(1) if found else ""
        assert url, log_path.read_text()
        # The generated password is in the Secret, and nowhere else: not on disk, not in the log.
        shown = seaway(
            "admin", "initial-password", "--kubeconfig", str(kube.kubeconfig), "-n", namespace
        )
        assert shown.returncode == 2, shown.stderr  # not without the server's data dir
        shown = seaway(
            "admin",
            "initial-password",
            *("--kubeconfig", str(kube.kubeconfig), "-n", namespace, "--data-dir", str(data)),
        )
        assert shown.returncode == 0, shown.stderr
        password = shown.stdout
        assert f"in Secret {namespace}/seaway-initial-admin-secret" in log_path.read_text()
        assert password.strip() not in log_path.read_text()
        assert not (data / INITIAL_PASSWORD_FILE).exists()
        assert seaway("login", "--server", url, stdin=password).returncode == 0

        deadline = time.monotonic() + 60
        while True:
            listed = seaway("app", "list", "--server", url, "-o", "json")
            items = json.loads(listed.stdout or "[]")
            if items and items[0]["sync"] == "OutOfSync":
                break
            assert time.monotonic() < deadline, listed.stdout + listed.stderr
            time.sleep(0.5)
        synced = seaway("app", "sync", "web", "--server", url, "--timeout", "90")
        assert synced.returncode == 0, synced.stdout + synced.stderr + log_path.read_text()
        token = yaml.safe_load((tmp_path / "config/seaway/config.yaml").read_text())["servers"][
            url
        ]["token"]
        rollouts = httpx2.get(
            f"{url}/api/v1/applications/web/rollouts",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert rollouts.status_code == 200, rollouts.text
        assert rollouts.json() == {"items": []}

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, log_path.read_text()
        assert "seaway server: stopped" in log_path.read_text()
        assert password.strip() not in log_path.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
