"""SealedSecrets at sync against the real API server, with an Application in the cluster and a
real Git repo: where the cluster does not serve the SealedSecret kind, the controller opens it
into a Secret (the app's, with the sealed value); where it does (Bitnami's CRD installed), the
SealedSecret is applied as it is and left to Bitnami's controller, and Seaway makes no Secret.
The opened Secret is pruned with its SealedSecret; a CRD in the app counts as served; a cluster
that cannot be asked is an error, not taken for one without the CRD.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from seaway.cluster.kubernetes import KubeRest, KubernetesBackend
from seaway.cluster.kubernetes.rest import KubeError
from seaway.controller.install import install_crds
from seaway.controller.kube_apps import KubeApps
from seaway.controller.loop import Controller
from seaway.controller.sealed import SealedSecretError, SealedSecrets
from seaway.controller.service import Settings, build
from seaway.model import Application
from seaway.model.keys import ResourceKey
from seaway.model.tracking import APP_LABEL
from seaway.secrets import KeyStore, seal
from tests.conftest import Kube
from tests.gitrepo import Upstream

pytestmark = [pytest.mark.kube, pytest.mark.anyio]

VALUE = "kube-sealed-value-61f0c2"
SEALED_CRD = "sealedsecrets.bitnami.com"
CONFIG = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}}


@dataclass
class World:
    rest: KubeRest
    controller: Controller
    namespace: str
    target: str
    repo: Upstream
    keys: KeyStore

    async def create_app(self) -> None:
        await self.rest.apply(
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": {"name": "shop", "namespace": self.namespace},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": self.repo.url, "targetRevision": "main", "path": "app"},
                    "destination": {
                        "server": "https://kubernetes.default.svc",
                        "namespace": self.target,
                    },
                    "syncPolicy": {
                        "automated": {"prune": True},
                        "syncOptions": ["CreateNamespace=true"],
                    },
                },
            }
        )

    async def reconcile(self) -> dict[str, Any]:
        latest = await self.rest.get("argoproj.io/v1alpha1", "Application", "shop", self.namespace)
        assert latest is not None
        wanted = int(latest["metadata"]["resourceVersion"])
        apps = self.controller.apps
        assert isinstance(apps, KubeApps)
        cache = apps.cache
        assert cache is not None
        await cache.watch_kinds([("argoproj.io/v1alpha1", "Application")])
        key = ResourceKey("argoproj.io", "Application", self.namespace, "shop")
        for _ in range(200):
            seen = cache.get("argoproj.io/v1alpha1", "Application", key)
            if seen is not None and int(seen["metadata"]["resourceVersion"]) >= wanted:
                break
            await asyncio.sleep(0.01)
        await self.controller.reconcile_one("shop")
        got = await self.rest.get("argoproj.io/v1alpha1", "Application", "shop", self.namespace)
        assert got is not None
        return dict(got.get("status") or {})

    def commit_sealed(self) -> None:
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "db", "namespace": self.target, "labels": {"tier": "db"}},
            "stringData": {"password": VALUE},
        }
        sealed = seal(secret, self.keys.active().key.public_key)
        self.repo.commit({"app/sealed.yaml": yaml.safe_dump(sealed)})


@pytest.fixture
async def world(kube: Kube, tmp_path: Path) -> AsyncIterator[World]:
    rest = KubeRest.from_kubeconfig(kube.kubeconfig)
    await install_crds(rest)
    suffix = uuid.uuid4().hex[:6]
    ns, target = f"seaway-{suffix}", f"sealed-{suffix}"
    await rest.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    keys = KeyStore(tmp_path / "sealing-keys")
    keys.generate(2048)
    repo = Upstream(tmp_path / "env-repo")
    settings = Settings(
        namespace=ns, repo_cache=tmp_path / "repos", step_timeout=60, sealing_keys=keys.directory
    )
    controller = build(rest, settings)
    controller.reconciler.poll_interval = 0.2
    try:
        yield World(rest, controller, ns, target, repo, keys)
    finally:
        await controller.close()
        await rest.delete("v1", "Namespace", target)
        await rest.delete("v1", "Namespace", ns)
        await rest.close()


async def _served(rest: KubeRest) -> bool:
    try:
        await rest.resource("bitnami.com/v1alpha1", "SealedSecret")
    except KubeError:
        return False
    return True


async def test_a_sealed_secret_becomes_a_secret_without_its_crd(world: World) -> None:
    assert not await _served(world.rest)
    world.commit_sealed()
    await world.create_app()
    status = await world.reconcile()
    assert status["sync"]["status"] == "Synced", status.get("conditions")
    assert status["operationState"]["phase"] == "Succeeded"
    assert [(r["kind"], r["name"]) for r in status["resources"]] == [("Secret", "db")]

    live = await world.rest.get("v1", "Secret", "db", world.target)
    assert live is not None
    assert live["metadata"]["labels"] == {"tier": "db", APP_LABEL: "shop"}
    assert base64.b64decode(live["data"]["password"]).decode() == VALUE
    assert "ownerReferences" not in live["metadata"]

    # The Secret is the app's: out of Git with its SealedSecret, it is pruned.
    world.repo.commit({"app/config.yaml": yaml.safe_dump(CONFIG)})
    world.repo.remove("app/sealed.yaml")
    status = await world.reconcile()
    assert status["sync"]["status"] == "Synced", status.get("conditions")
    assert await world.rest.get("v1", "Secret", "db", world.target) is None
    assert await world.rest.get("v1", "ConfigMap", "settings", world.target) is not None


def _crd() -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": SEALED_CRD},
        "spec": {
            "group": "bitnami.com",
            "scope": "Namespaced",
            "names": {
                "kind": "SealedSecret",
                "plural": "sealedsecrets",
                "singular": "sealedsecret",
                "listKind": "SealedSecretList",
            },
            "versions": [
                {
                    "name": "v1alpha1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                    "subresources": {"status": {}},
                }
            ],
        },
    }


def _app(target: str) -> Application:
    return Application.model_validate(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "shop"},
            "spec": {
                "project": "default",
                "source": {"repoURL": "https://example.org/env.git", "path": "app"},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": target},
            },
        }
    )


async def test_a_crd_in_the_app_itself_leaves_its_sealed_secrets_alone(world: World) -> None:
    assert not await _served(world.rest)
    world.commit_sealed()
    sealed = yaml.safe_load(world.repo.git("show", "HEAD:app/sealed.yaml"))
    opener = SealedSecrets(world.keys.directory, defer_when_served=True)
    backend = KubernetesBackend(world.rest)
    assert await opener.open_all(backend, _app(world.target), [_crd(), sealed]) == [
        _crd(),
        sealed,
    ]
    [opened] = await opener.open_all(backend, _app(world.target), [sealed])
    assert opened["kind"] == "Secret"


async def test_an_unreachable_cluster_is_not_taken_for_one_without_the_crd(
    world: World, kube: Kube, tmp_path: Path
) -> None:
    config = yaml.safe_load(kube.kubeconfig.read_text())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    for cluster in config["clusters"]:
        cluster["cluster"]["server"] = f"https://127.0.0.1:{closed}"
    unreachable = tmp_path / "unreachable.kubeconfig"
    unreachable.write_text(yaml.safe_dump(config))
    rest = KubeRest.from_kubeconfig(unreachable)
    try:
        world.commit_sealed()
        sealed = yaml.safe_load(world.repo.git("show", "HEAD:app/sealed.yaml"))
        opener = SealedSecrets(world.keys.directory, defer_when_served=True)
        with pytest.raises(SealedSecretError, match="cannot tell whether the destination serves"):
            await opener.open_all(KubernetesBackend(rest), _app(world.target), [sealed])
    finally:
        await rest.close()


async def test_with_bitnamis_crd_the_sealed_secret_is_left_to_its_controller(
    world: World,
) -> None:
    await world.rest.apply(_crd())
    try:
        for _ in range(100):
            if await _served(world.rest):
                break
            await asyncio.sleep(0.1)
        world.commit_sealed()
        await world.create_app()
        status = await world.reconcile()
        assert status["sync"]["status"] == "Synced", status.get("conditions")
        assert [(r["kind"], r["name"]) for r in status["resources"]] == [("SealedSecret", "db")]
        applied = await world.rest.get("bitnami.com/v1alpha1", "SealedSecret", "db", world.target)
        assert applied is not None
        assert set(applied["spec"]["encryptedData"]) == {"password"}
        # Seaway made no Secret: only Bitnami's controller (not running here) would.
        assert await world.rest.get("v1", "Secret", "db", world.target) is None
    finally:
        await world.rest.delete("apiextensions.k8s.io/v1", "CustomResourceDefinition", SEALED_CRD)
