"""Binary authorization on the real API server: an Application (an object in kube-apiserver)
whose image lacks its attestation is not synced, and its status says why; once the attestation
is in the registry (crane), the next reconcile syncs it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from seaway.cluster.kubernetes import KubeRest
from seaway.controller.install import install_crds
from seaway.controller.service import Settings, build
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
from tests.conftest import Kube
from tests.controller.test_gitops_kube import World
from tests.gitrepo import Upstream
from tests.oci_registry import Registry

pytestmark = [pytest.mark.kube, pytest.mark.anyio]


def _deployment(image: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "api"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "api"}},
                "template": {
                    "metadata": {"labels": {"app": "api"}},
                    "spec": {"containers": [{"name": "api", "image": image}]},
                },
            },
        }
    )


@pytest.fixture
async def guarded(
    kube: Kube, tmp_path: Path, oci_registry: Registry
) -> AsyncIterator[tuple[World, SigningKey]]:
    rest = KubeRest.from_kubeconfig(kube.kubeconfig)
    await install_crds(rest)
    suffix = uuid.uuid4().hex[:6]
    ns, target = f"seaway-{suffix}", f"attested-{suffix}"
    await rest.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    key = generate_key()
    (tmp_path / "ci.pub").write_bytes(key.public.pem())
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "dev.yaml").write_text(
        "stages:\n  dev:\n    trustedKeys: [{path: ../ci.pub}]\n"
        "    require: [{predicateType: test-result, passed: true}]\n"
    )
    settings = Settings(
        namespace=ns,
        repo_cache=tmp_path / "repos",
        step_timeout=60,
        attestation_policy_dir=policies,
        insecure_registries=(oci_registry.host,),
    )
    controller = build(rest, settings)
    controller.reconciler.poll_interval = 0.2
    try:
        yield World(rest, controller, ns, target, Upstream(tmp_path / "env-repo")), key
    finally:
        await controller.close()
        await rest.delete("v1", "Namespace", target)
        await rest.delete("v1", "Namespace", ns)
        await rest.close()


async def test_unattested_image_is_not_synced_to_the_cluster(
    guarded: tuple[World, SigningKey], oci_registry: Registry
) -> None:
    world, key = guarded
    digest = oci_registry.push_image("kube/api", "1.0.0")
    image = f"{oci_registry.host}/kube/api:1.0.0"
    world.repo.commit({"app/deploy.yaml": _deployment(image)})
    app = world.application("api", {"prune": True})
    app["metadata"]["annotations"] = {
        "seaway.dev/attestation-policy": "dev",
        "seaway.dev/attestation-stage": "dev",
    }
    await world.create(app)

    await world.reconcile("api")
    status = await world.status("api")
    assert status["sync"]["status"] == "Unknown"
    assert "operationState" not in status
    errors = [c["message"] for c in status["conditions"] if c["type"] == "SyncError"]
    assert errors == [
        f"image {image} (Deployment {world.target}/api, container api) is refused for stage "
        f"dev: no test-result attestation for {digest} signed by a trusted key "
        f"(trusted: {key.public.short_id})"
    ]
    assert await world.live("apps/v1", "Deployment", "api") is None

    ref = parse_image_ref(f"{oci_registry.host}/kube/api@{digest}")
    predicate = TestResult(suite="e2e", passed=True).to_predicate()
    envelope = sign_envelope(
        statement_for(ref, PredicateKind.TEST_RESULT.uri, predicate).to_json(), key
    )
    with RegistryClient(insecure=[oci_registry.host], credentials={}) as client:
        RegistryAttestations(client).push(ref, PredicateKind.TEST_RESULT, envelope)

    await world.reconcile("api")
    status = await world.status("api")
    assert status["sync"]["status"] == "Synced", status.get("conditions")
    assert not [c for c in status.get("conditions") or [] if c["type"] == "SyncError"]
    live = await world.live("apps/v1", "Deployment", "api")
    assert live is not None
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == image
