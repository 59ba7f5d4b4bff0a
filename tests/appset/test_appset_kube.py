"""ApplicationSets on the real API server: the set over the dev and prod branches of a real repo
makes Applications owned by it, the Application controller syncs them, Git changes add and remove
apps, and deleting the set lets Kubernetes' garbage collector delete the apps (and, through
Argo CD's resources finalizer, what they deployed) unless preserveResourcesOnDeletion."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from seaway.appset import owner_of
from seaway.cluster.kubernetes import KubeRest
from seaway.controller.appsets import AppSetController, KubeAppSets, RepoGit
from seaway.controller.install import install_crds
from seaway.controller.service import Settings, build
from seaway.source import RepoCache
from tests.appset.repos import env_repo, envs_appset
from tests.conftest import Kube
from tests.controller.test_gitops_kube import World

pytestmark = [pytest.mark.kube, pytest.mark.anyio]

API = "argoproj.io/v1alpha1"


@dataclass
class SetWorld:
    apps: World
    appsets: AppSetController
    prefix: str

    @property
    def rest(self) -> KubeRest:
        return self.apps.rest

    @property
    def ns(self) -> str:
        return self.apps.namespace

    async def apply_set(self, **options: Any) -> None:
        raw = envs_appset(
            self.apps.repo.url, target_prefix=self.prefix, namespace=self.ns, **options
        )
        await self.rest.apply(raw)

    async def app_names(self) -> list[str]:
        listed = await self.rest.list(API, "Application", namespace=self.ns)
        return sorted(a["metadata"]["name"] for a in listed)

    async def sync_all(self) -> None:
        for name in await self.app_names():
            await self.apps.reconcile(name)

    async def config(self, name: str, env: str) -> str | None:
        live = await self.rest.get("v1", "ConfigMap", name, f"{self.prefix}-{env}")
        return None if live is None else str(live["data"]["env"])

    async def until(self, check: Callable[[], Awaitable[bool]], timeout: float = 60.0) -> None:
        """Keep the apps reconciled (deletions need their finalizer handled) until `check`."""
        for _ in range(int(timeout / 0.25)):
            if await check():
                return
            for name in await self.app_names():
                await self.apps.controller.reconcile_one(name)
            await asyncio.sleep(0.25)
        raise AssertionError(f"not reached in {timeout}s: apps {await self.app_names()}")


@pytest.fixture
async def world(kube: Kube, tmp_path: Path) -> AsyncIterator[SetWorld]:
    rest = KubeRest.from_kubeconfig(kube.kubeconfig)
    await install_crds(rest)
    suffix = uuid.uuid4().hex[:6]
    ns, prefix = f"seaway-{suffix}", f"t{suffix}"
    await rest.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    repo = env_repo(tmp_path / "env")
    settings = Settings(namespace=ns, repo_cache=tmp_path / "repos", step_timeout=60)
    controller = build(rest, settings)
    controller.reconciler.poll_interval = 0.2
    appsets = AppSetController(KubeAppSets(rest, ns), RepoGit(RepoCache(tmp_path / "repos")))
    try:
        yield SetWorld(World(rest, controller, ns, f"{prefix}-dev", repo), appsets, prefix)
    finally:
        await controller.close()
        for name in (f"{prefix}-dev", f"{prefix}-prod", ns):
            await rest.delete("v1", "Namespace", name)
        await rest.close()


def _remove_from_dev(world: SetWorld, folder: str) -> None:
    repo = world.apps.repo
    repo.git("checkout", "--quiet", "dev")
    repo.remove(folder)
    repo.git("checkout", "--quiet", "main")


async def test_set_over_dev_and_prod_creates_updates_and_deletes_apps(world: SetWorld) -> None:
    await world.apply_set()
    [outcome] = await world.appsets.reconcile_all()
    assert outcome.error == ""
    assert await world.app_names() == ["api-dev", "web-dev", "web-prod"]
    web = await world.rest.get(API, "Application", "web-prod", world.ns)
    appset = await world.rest.get(API, "ApplicationSet", "envs", world.ns)
    assert web is not None
    assert appset is not None
    [ref] = web["metadata"]["ownerReferences"]
    assert ref["uid"] == appset["metadata"]["uid"]
    assert ref["blockOwnerDeletion"] is True
    assert owner_of(web) == "envs"
    assert web["metadata"]["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]

    await world.sync_all()
    assert await world.config("web", "dev") == "dev"
    assert await world.config("web", "prod") == "prod"
    assert await world.config("api", "dev") == "dev"
    await world.appsets.reconcile_all()
    appset = await world.rest.get(API, "ApplicationSet", "envs", world.ns)
    assert appset is not None
    status = appset["status"]
    assert {c["type"]: c["status"] for c in status["conditions"]} == {
        "ErrorOccurred": "False",
        "ParametersGenerated": "True",
        "ResourcesUpToDate": "True",
    }
    assert {r["name"]: r.get("status") for r in status["resources"]} == {
        "api-dev": "Synced",
        "web-dev": "Synced",
        "web-prod": "Synced",
    }

    # An edit of the set's template updates every app it made.
    raw = envs_appset(world.apps.repo.url, target_prefix=world.prefix, namespace=world.ns)
    raw["spec"]["template"]["metadata"]["labels"]["team"] = "shop"
    await world.rest.apply(raw)
    [outcome] = await world.appsets.reconcile_all()
    assert outcome.changes is not None
    assert sorted(a["metadata"]["name"] for a in outcome.changes.update) == [
        "api-dev",
        "web-dev",
        "web-prod",
    ]
    web = await world.rest.get(API, "Application", "web-prod", world.ns)
    assert web is not None
    assert web["metadata"]["labels"] == {"env": "prod", "team": "shop"}

    # A new folder on prod makes an app; a folder removed from dev deletes its app and what
    # it deployed.
    world.apps.repo.commit(
        {
            "apps/api/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: api}\n"
            "data: {env: prod}\n"
        },
        "api to prod",
        branch="prod",
    )
    _remove_from_dev(world, "apps/api")
    await world.appsets.reconcile_all()

    async def api_moved() -> bool:
        return await world.app_names() == ["api-prod", "web-dev", "web-prod"]

    await world.until(api_moved)
    await world.sync_all()
    assert await world.config("api", "prod") == "prod"
    assert await world.config("api", "dev") is None

    # Deleting the set: the garbage collector deletes its apps, their finalizer their objects.
    await world.rest.delete(API, "ApplicationSet", "envs", world.ns, propagation="Background")

    async def all_gone() -> bool:
        return await world.app_names() == []

    await world.until(all_gone)
    assert await world.config("web", "prod") is None


async def test_create_only_keeps_apps_and_preserve_keeps_resources(world: SetWorld) -> None:
    await world.apply_set(policy="create-only", preserve=True)
    await world.appsets.reconcile_all()
    await world.sync_all()
    web = await world.rest.get(API, "Application", "web-dev", world.ns)
    assert web is not None
    assert "finalizers" not in web["metadata"]

    _remove_from_dev(world, "apps/api")
    [outcome] = await world.appsets.reconcile_all()
    assert outcome.changes is not None
    assert outcome.changes.delete == []
    assert await world.app_names() == ["api-dev", "web-dev", "web-prod"]

    await world.rest.delete(API, "ApplicationSet", "envs", world.ns, propagation="Foreground")

    async def all_gone() -> bool:
        return await world.app_names() == []

    await world.until(all_gone)
    assert await world.config("web", "prod") == "prod"
    assert await world.config("api", "dev") == "dev"


async def test_clusters_generator_reads_cluster_secrets_in_the_namespace(world: SetWorld) -> None:
    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    await world.rest.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": "cluster-prod",
                "namespace": world.ns,
                "labels": {"argocd.argoproj.io/secret-type": "cluster", "env": "prod"},
            },
            "data": {"name": b64("prod-eu"), "server": b64("https://prod.example")},
        }
    )
    raw = envs_appset(world.apps.repo.url, target_prefix=world.prefix, namespace=world.ns)
    raw["spec"]["generators"] = [{"clusters": {"selector": {"matchLabels": {"env": "prod"}}}}]
    raw["spec"]["template"]["metadata"] = {"name": "web-{{.name}}"}
    raw["spec"]["template"]["spec"]["destination"] = {"name": "{{.name}}", "namespace": "web"}
    raw["spec"]["template"]["spec"]["source"]["path"] = "apps/web"
    raw["spec"]["template"]["spec"]["source"]["targetRevision"] = "prod"
    await world.rest.apply(raw)
    [outcome] = await world.appsets.reconcile_all()
    assert outcome.error == ""
    app = await world.rest.get(API, "Application", "web-prod-eu", world.ns)
    assert app is not None
    assert app["spec"]["destination"] == {"name": "prod-eu", "namespace": "web"}
