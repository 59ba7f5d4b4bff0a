"""The controller refuses to sync an app whose images lack the attestations its policy requires.

On the local backend, with a real Git repo, a real registry (crane) and the controller's own
reconcile: an unattested image leaves the app unsynced (nothing applied) with a SyncError
condition naming the image, where it is used and what is missing; once the attestation is pushed
to the registry, the next reconcile syncs. AppProject-level policies and bad policy names are
checked too.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from seaway.controller.service import LocalControl, Settings, build_local
from seaway.gates.attest import (
    PredicateKind,
    RegistryAttestations,
    SigningKey,
    TestResult,
    generate_key,
    parse_image_ref,
    sign_envelope,
    statement_for,
)
from seaway.registry import RegistryClient
from tests.gitrepo import Upstream
from tests.oci_registry import Registry

pytestmark = pytest.mark.anyio


def _deployment(name: str, image: str) -> str:
    container = {
        "name": name,
        "image": image,
        "command": [sys.executable, "-c", "import time; time.sleep(3600)"],
    }
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {"containers": [container]},
                },
            },
        }
    )


def _application(
    name: str, repo: Upstream, annotations: dict[str, str], project: str = "default"
) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {
            "project": project,
            "source": {"repoURL": repo.url, "targetRevision": "main", "path": name},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"},
            "syncPolicy": {"automated": {"prune": True}},
        },
    }


class World:
    def __init__(self, tmp: Path, registry: Registry, key: SigningKey) -> None:
        self.tmp = tmp
        self.registry = registry
        self.key = key
        self.repo = Upstream(tmp / "env")
        self.apps = tmp / "apps"
        self.apps.mkdir()
        self.control: LocalControl | None = None

    def attest(self, image: str, passed: bool = True) -> None:
        ref = parse_image_ref(image)
        predicate = TestResult(suite="integration", passed=passed, failed=0 if passed else 1)
        envelope = sign_envelope(
            statement_for(ref, PredicateKind.TEST_RESULT.uri, predicate.to_predicate()).to_json(),
            self.key,
        )
        with RegistryClient(insecure=[self.registry.host], credentials={}) as client:
            RegistryAttestations(client).push(ref, PredicateKind.TEST_RESULT, envelope)

    async def reconcile(self, name: str) -> Any:
        assert self.control is not None
        self.control.apps.load(force=True)
        return await self.control.controller.reconcile_one(name)

    async def live(self, name: str) -> dict[str, Any] | None:
        assert self.control is not None
        return await self.control.backend.get("apps/v1", "Deployment", name, "shop")


@pytest.fixture
async def world(tmp_path: Path, oci_registry: Registry) -> AsyncIterator[World]:
    key = generate_key()
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "ci.pub").write_bytes(key.public.pem())
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "dev.yaml").write_text(
        "stages:\n  dev:\n    trustedKeys: [{path: ../keys/ci.pub}]\n"
        "    require: [{predicateType: test-result, passed: true}]\n"
    )
    made = World(tmp_path, oci_registry, key)
    settings = Settings(
        interval=3600,
        attestation_policy_dir=policies,
        insecure_registries=(oci_registry.host,),
    )
    made.control = await build_local(tmp_path / "data", [made.apps], settings, tick=0.1)
    try:
        yield made
    finally:
        await made.control.close()


def _sync_errors(status: dict[str, Any]) -> list[str]:
    return [c["message"] for c in status.get("conditions") or [] if c["type"] == "SyncError"]


async def test_unattested_image_is_refused_until_attested(world: World) -> None:
    # A repository of its own: the registry is shared by the session, and another test may have
    # attested the same image bytes under another name with another key.
    repository = f"shop/api-{uuid.uuid4().hex[:6]}"
    digest = world.registry.push_image(repository, "1.0.0")
    image = f"{world.registry.host}/{repository}:1.0.0"
    world.repo.commit({"api/deploy.yaml": _deployment("api", image)})
    app = _application("api", world.repo, {"seaway.dev/attestation-policy": "dev"})
    (world.apps / "api.yaml").write_text(yaml.safe_dump(app))

    refused = await world.reconcile("api")
    assert refused.synced is None
    assert refused.status["sync"]["status"] == "Unknown"
    assert _sync_errors(refused.status) == [
        f"image {image} (Deployment shop/api, container api) is refused for stage dev: "
        f"no test-result attestation for {digest} signed by a trusted key "
        f"(trusted: {world.key.public.short_id})"
    ]
    assert await world.live("api") is None
    # Refused again on the next reconcile, with the same condition and still nothing applied.
    again = await world.reconcile("api")
    assert again.synced is None
    assert (
        again.status["conditions"][0]["lastTransitionTime"]
        == (refused.status["conditions"][0]["lastTransitionTime"])
    )

    # A failing test run is attested: still refused, and the message says why.
    world.attest(f"{world.registry.host}/{repository}@{digest}", passed=False)
    failing = await world.reconcile("api")
    assert failing.synced is None
    [message] = _sync_errors(failing.status)
    assert "test-result attestation" in message
    assert "does not pass: passed is false" in message

    world.attest(f"{world.registry.host}/{repository}@{digest}")
    synced = await world.reconcile("api")
    assert synced.synced is not None
    assert _sync_errors(synced.status) == []
    assert synced.status["sync"]["status"] == "Synced"
    live = await world.live("api")
    assert live is not None
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == image


async def test_a_new_unattested_tag_keeps_what_runs(world: World) -> None:
    """A commit that moves to an unattested image syncs nothing: the attested version runs on."""
    first = world.registry.push_image("shop/web", "1.0.0")
    world.attest(f"{world.registry.host}/shop/web@{first}")
    world.repo.commit(
        {"web/deploy.yaml": _deployment("web", f"{world.registry.host}/shop/web:1.0.0")}
    )
    app = _application("web", world.repo, {"seaway.dev/attestation-policy": "dev"})
    (world.apps / "web.yaml").write_text(yaml.safe_dump(app))
    assert (await world.reconcile("web")).synced is not None

    world.registry.push_image("shop/web", "1.1.0")
    world.repo.commit(
        {"web/deploy.yaml": _deployment("web", f"{world.registry.host}/shop/web:1.1.0")}
    )
    refused = await world.reconcile("web")
    assert refused.synced is None
    [message] = _sync_errors(refused.status)
    assert message.startswith(f"image {world.registry.host}/shop/web:1.1.0 (Deployment shop/web")
    live = await world.live("web")
    assert live is not None
    assert live["spec"]["template"]["spec"]["containers"][0]["image"].endswith("shop/web:1.0.0")


async def test_project_policy_and_bad_policy_names(world: World) -> None:
    world.registry.push_image("shop/batch", "2.0.0")
    image = f"{world.registry.host}/shop/batch:2.0.0"
    world.repo.commit({"batch/deploy.yaml": _deployment("batch", image)})
    project = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "guarded", "annotations": {"seaway.dev/attestation-policy": "dev"}},
        "spec": {
            "sourceRepos": ["*"],
            "destinations": [{"server": "*", "namespace": "*"}],
            "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
        },
    }
    (world.apps / "project.yaml").write_text(yaml.safe_dump(project))
    # The app names no policy of its own; its project's applies all the same.
    app = _application("batch", world.repo, {}, project="guarded")
    (world.apps / "batch.yaml").write_text(yaml.safe_dump(app))
    refused = await world.reconcile("batch")
    assert refused.synced is None
    [message] = _sync_errors(refused.status)
    assert message.startswith(f"image {image} (Deployment shop/batch, container batch) is refused")

    app["metadata"]["annotations"] = {"seaway.dev/attestation-policy": "../etc/passwd"}
    (world.apps / "batch.yaml").write_text(yaml.safe_dump(app))
    bad = await world.reconcile("batch")
    assert bad.synced is None
    assert (
        "attestation policy of Application batch: seaway.dev/attestation-policy: "
        "'../etc/passwd' is not a policy name" in "\n".join(_sync_errors(bad.status))
    )


async def test_unreadable_registry_credentials_refuse(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Binary authorization fails closed: credentials that cannot be read verify nothing."""
    image = f"{world.registry.host}/shop/creds:1.0.0"
    world.registry.push_image("shop/creds", "1.0.0")
    world.repo.commit({"creds/deploy.yaml": _deployment("creds", image)})
    app = _application("creds", world.repo, {"seaway.dev/attestation-policy": "dev"})
    (world.apps / "creds.yaml").write_text(yaml.safe_dump(app))
    docker = tmp_path / "docker"
    docker.mkdir()
    (docker / "config.json").write_text("{broken")
    monkeypatch.setenv("DOCKER_CONFIG", str(docker))
    refused = await world.reconcile("creds")
    assert refused.synced is None
    [message] = _sync_errors(refused.status)
    assert message.startswith(f"no image can be verified: {docker / 'config.json'}: cannot read")
    assert await world.live("creds") is None
