"""`seaway appset preview|list|get`, run as the real command."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml

from seaway.cluster.kubernetes import KubeRest
from seaway.controller.appsets import AppSetController, KubeAppSets, RepoGit
from seaway.controller.install import install_crds
from seaway.source import RepoCache
from seaway.store.sqlite import Store
from tests.appset.repos import env_repo, envs_appset
from tests.conftest import Kube

SEAWAY = [sys.executable, "-m", "seaway"]


def seaway(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SEAWAY, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        check=False,
        timeout=120,
    )


def test_preview_renders_the_apps_of_a_set_over_dev_and_prod(tmp_path: Path) -> None:
    repo = env_repo(tmp_path / "env")
    file = tmp_path / "envs.yaml"
    file.write_text(yaml.safe_dump(envs_appset(repo.url)))
    done = seaway("appset", "preview", str(file), "--repo-cache", str(tmp_path / "c"))
    assert done.returncode == 0, done.stderr
    apps = list(yaml.safe_load_all(done.stdout))
    assert [a["metadata"]["name"] for a in apps] == ["api-dev", "web-dev", "web-prod"]
    assert apps[2]["spec"]["source"]["targetRevision"] == "prod"
    assert apps[2]["metadata"]["namespace"] == "seaway"

    table = seaway("appset", "preview", str(file), "-o", "table", "--repo-cache", str(tmp_path))
    assert table.returncode == 0, table.stderr
    assert "web-prod" in table.stdout
    assert "apps/web" in table.stdout


def test_preview_names_what_is_wrong_and_fails(tmp_path: Path) -> None:
    broken = envs_appset("https://example.invalid/none.git")
    broken["spec"]["generators"] = [{"list": {"elements": [{"env": "dev"}]}}]
    broken["spec"]["template"]["metadata"]["name"] = "{{.nope}}"
    file = tmp_path / "broken.yaml"
    file.write_text(yaml.safe_dump(broken))
    done = seaway("appset", "preview", str(file))
    assert done.returncode == 1
    assert "ApplicationSet envs makes no apps:" in done.stderr
    assert 'map has no entry for key "nope"' in done.stderr

    invalid = tmp_path / "invalid.yaml"
    invalid.write_text(yaml.safe_dump({**broken, "spec": {"generators": [{}], "template": {}}}))
    done = seaway("appset", "preview", str(invalid))
    assert done.returncode == 2
    assert "spec.generators[0]: name one generator" in done.stderr


@pytest.mark.kube
def test_list_and_get_show_the_sets_state(kube: Kube, tmp_path: Path) -> None:
    ns = f"seaway-{uuid.uuid4().hex[:6]}"
    repo = env_repo(tmp_path / "env")

    async def setup() -> None:
        async with KubeRest.from_kubeconfig(kube.kubeconfig) as rest:
            await install_crds(rest)
            await rest.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
            await rest.apply(envs_appset(repo.url, namespace=ns))
            appsets = AppSetController(KubeAppSets(rest, ns), RepoGit(RepoCache(tmp_path / "c")))
            await appsets.reconcile_all()

    async def cleanup() -> None:
        async with KubeRest.from_kubeconfig(kube.kubeconfig) as rest:
            await rest.delete("v1", "Namespace", ns)

    asyncio.run(setup())
    try:
        env = {"KUBECONFIG": str(kube.kubeconfig)}
        listed = seaway("appset", "list", "-n", ns, env=env)
        assert listed.returncode == 0, listed.stderr
        assert "envs" in listed.stdout
        assert "matrix" in listed.stdout
        assert "UpToDate" in listed.stdout
        got = seaway("appset", "get", "envs", "-n", ns, env=env)
        assert got.returncode == 0, got.stderr
        for word in ("ResourcesUpToDate", "api-dev", "web-dev", "web-prod"):
            assert word in got.stdout
        missing = seaway("appset", "get", "nope", "-n", ns, env=env)
        assert missing.returncode == 1
        assert "no ApplicationSet 'nope'" in missing.stderr
    finally:
        asyncio.run(cleanup())


def test_local_controller_process_makes_and_syncs_a_sets_apps(tmp_path: Path) -> None:
    """`seaway controller --backend local --apps DIR` as a real process: the set in the folder
    makes its apps, which sync onto the local backend."""
    repo = env_repo(tmp_path / "env")
    folder = tmp_path / "apps"
    folder.mkdir()
    (folder / "envs.yaml").write_text(yaml.safe_dump(envs_appset(repo.url)))
    data = tmp_path / "data"
    process = subprocess.Popen(
        [
            *SEAWAY,
            "controller",
            "--backend",
            "local",
            "--apps",
            str(folder),
            "--data-dir",
            str(data),
            "--repo-cache",
            str(tmp_path / "repos"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        synced: dict[str, str] = {}
        while time.monotonic() < deadline and len(synced) < 3:
            time.sleep(0.5)
            if not (data / "seaway.db").exists():
                continue
            store = Store(data / "seaway.db")
            try:
                synced = {
                    a["metadata"]["name"]: a["status"]["sync"]["status"]
                    for a in store.all("Application")
                    if (a.get("status") or {}).get("sync", {}).get("status") == "Synced"
                }
            finally:
                store.close()
        assert synced == {"api-dev": "Synced", "web-dev": "Synced", "web-prod": "Synced"}
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors


@pytest.mark.kube
def test_kube_controller_process_makes_and_syncs_a_sets_apps(kube: Kube, tmp_path: Path) -> None:
    """`seaway controller` against the real API server: an ApplicationSet applied to its
    namespace makes Applications, which the same process syncs; the set's status follows."""
    ns = f"seaway-{uuid.uuid4().hex[:6]}"
    prefix = f"t{uuid.uuid4().hex[:6]}"
    repo = env_repo(tmp_path / "env")

    async def setup() -> None:
        async with KubeRest.from_kubeconfig(kube.kubeconfig) as rest:
            await install_crds(rest)
            await rest.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
            await rest.apply(envs_appset(repo.url, namespace=ns, target_prefix=prefix))

    async def synced() -> dict[str, str]:
        """The apps that are Synced, as the set's status lists them."""
        async with KubeRest.from_kubeconfig(kube.kubeconfig) as rest:
            appset = await rest.get("argoproj.io/v1alpha1", "ApplicationSet", "envs", ns)
        resources = ((appset or {}).get("status") or {}).get("resources") or []
        return {r["name"]: r["status"] for r in resources if r.get("status") == "Synced"}

    async def cleanup() -> None:
        async with KubeRest.from_kubeconfig(kube.kubeconfig) as rest:
            for name in (f"{prefix}-dev", f"{prefix}-prod", ns):
                await rest.delete("v1", "Namespace", name)

    asyncio.run(setup())
    process = subprocess.Popen(
        [*SEAWAY, "controller", "--namespace", ns, "--repo-cache", str(tmp_path / "repos")],
        env={**os.environ, "KUBECONFIG": str(kube.kubeconfig)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        found: dict[str, str] = {}
        while time.monotonic() < deadline and len(found) < 3:
            time.sleep(0.5)
            found = asyncio.run(synced())
        assert found == {"api-dev": "Synced", "web-dev": "Synced", "web-prod": "Synced"}
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=60)
        asyncio.run(cleanup())
    assert process.returncode == 0, errors
