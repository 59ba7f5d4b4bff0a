"""`assess` on objects read back from a real API server, at the moments Argo CD would judge them.

Pods run on KWOK's simulated node, so a Deployment becomes available within seconds and a pod
that no node can take stays Pending for as long as the test needs.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from lightkube import Client, KubeConfig, codecs
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import ConfigMap, Namespace, Pod, Service

from seaway.health import HealthResult, aggregate, assess
from seaway.model.status import HealthStatus
from tests.conftest import Kube

pytestmark = pytest.mark.kube


@pytest.fixture
def client(kube: Kube) -> Iterator[Client]:
    with Client(KubeConfig.from_file(kube.kubeconfig), field_manager="seaway-tests") as c:
        yield c


@pytest.fixture
def ns(client: Client) -> Iterator[str]:
    # A fresh name per test: a deleted namespace lingers while its content is removed.
    name = f"seaway-health-{uuid.uuid4().hex[:8]}"
    client.create(
        codecs.from_dict({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    )
    try:
        yield name
    finally:
        client.delete(Namespace, name)


def deployment(ns: str, name: str, replicas: int, **spec: Any) -> dict[str, Any]:
    labels = {"app": name}
    pod_spec: dict[str, Any] = {"containers": [{"name": name, "image": "example/web:1.0"}]}
    pod_spec.update(spec.pop("pod", {}))
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": pod_spec},
            **spec,
        },
    }


def wait_for_health(
    read: Callable[[], dict[str, Any]], status: HealthStatus, timeout: float = 60.0
) -> tuple[HealthResult, list[HealthStatus]]:
    """Poll until `assess` says `status`; returns that result and every status seen on the way."""
    seen: list[HealthStatus] = []
    deadline = time.monotonic() + timeout
    while True:
        result = assess(read())
        assert result is not None
        if not seen or seen[-1] is not result.status:
            seen.append(result.status)
        if result.status is status:
            return result, seen
        if time.monotonic() > deadline:
            raise AssertionError(f"never {status}: saw {seen}, last {result}")
        time.sleep(0.1)


def test_deployment_goes_progressing_healthy_and_suspended(client: Client, ns: str) -> None:
    def read() -> dict[str, Any]:
        found: dict[str, Any] = client.get(Deployment, "web", namespace=ns).to_dict()
        return found

    client.create(codecs.from_dict(deployment(ns, "web", 3)))
    first = assess(read())
    # Read right after creation: the controller cannot yet have made three pods available.
    assert first is not None
    assert first.status is HealthStatus.PROGRESSING, first
    healthy, seen = wait_for_health(read, HealthStatus.HEALTHY)
    assert healthy == HealthResult(HealthStatus.HEALTHY)
    assert HealthStatus.DEGRADED not in seen
    live = read()
    assert live["kind"] == "Deployment"
    assert live["status"]["availableReplicas"] == 3

    # Scaling up: Progressing until the new replicas are available, then Healthy again.
    client.patch(Deployment, "web", {"spec": {"replicas": 5}}, namespace=ns)
    scaled = assess(read())
    assert scaled is not None
    assert scaled.status is HealthStatus.PROGRESSING, scaled
    wait_for_health(read, HealthStatus.HEALTHY)
    assert read()["status"]["availableReplicas"] == 5

    # Every pod of a rolled-out Deployment is Running and Ready: Healthy too.
    pods = [p.to_dict() for p in client.list(Pod, namespace=ns, labels={"app": "web"})]
    assert len(pods) == 5
    assert {r.status for r in map(assess, pods) if r is not None} == {HealthStatus.HEALTHY}

    # Pausing: Argo CD calls a paused Deployment Suspended at once, even mid-change.
    client.patch(Deployment, "web", {"spec": {"paused": True}}, namespace=ns)
    client.patch(
        Deployment,
        "web",
        {
            "spec": {
                "template": {"spec": {"containers": [{"name": "web", "image": "example/web:2"}]}}
            }
        },
        namespace=ns,
    )
    assert assess(read()) == HealthResult(HealthStatus.SUSPENDED, "Deployment is paused")

    # Resuming rolls out the held change, then the Deployment is Healthy on the new template.
    client.patch(Deployment, "web", {"spec": {"paused": False}}, namespace=ns)
    resumed = assess(read())
    assert resumed is not None
    assert resumed.status is not HealthStatus.SUSPENDED
    wait_for_health(read, HealthStatus.HEALTHY)
    assert read()["status"]["updatedReplicas"] == 5


def test_deployment_that_cannot_schedule_exceeds_its_deadline(client: Client, ns: str) -> None:
    def read() -> dict[str, Any]:
        found: dict[str, Any] = client.get(Deployment, "stuck", namespace=ns).to_dict()
        return found

    # No node has this label, so the pod stays Pending and the deadline passes.
    client.create(
        codecs.from_dict(
            deployment(
                ns,
                "stuck",
                1,
                progressDeadlineSeconds=1,
                pod={"nodeSelector": {"seaway.test/no-such-node": "true"}},
            )
        )
    )
    degraded, seen = wait_for_health(read, HealthStatus.DEGRADED)
    assert seen[0] is HealthStatus.PROGRESSING
    assert "exceeded its progress deadline" in degraded.message

    pods = [p.to_dict() for p in client.list(Pod, namespace=ns, labels={"app": "stuck"})]
    assert len(pods) == 1
    pending = assess(pods[0])
    assert pending is not None
    assert pending.status is HealthStatus.PROGRESSING
    assert pods[0]["status"]["phase"] == "Pending"


def test_application_health_from_live_objects(client: Client, ns: str) -> None:
    desired = [
        deployment(ns, "api", 2),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "api", "namespace": ns},
            "spec": {"selector": {"app": "api"}, "ports": [{"port": 80}]},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "api", "namespace": ns},
            "data": {"LOG_LEVEL": "info"},
        },
    ]
    kinds = {"Deployment": Deployment, "Service": Service, "ConfigMap": ConfigMap}

    def pairs() -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        found = []
        for obj in desired:
            try:
                live = client.get(kinds[obj["kind"]], "api", namespace=ns).to_dict()
            except Exception as error:  # lightkube raises ApiError 404 for absent objects
                if getattr(getattr(error, "status", None), "code", None) != 404:
                    raise
                live = None
            found.append((obj, live))
        return found

    before = aggregate(pairs())
    assert before.status is HealthStatus.MISSING
    assert before.message == "None of the 3 resources exists"

    for obj in desired:
        client.create(codecs.from_dict(obj))
    live_service = client.get(Service, "api", namespace=ns).to_dict()
    assert assess(live_service) == HealthResult(HealthStatus.HEALTHY)
    assert assess(client.get(ConfigMap, "api", namespace=ns).to_dict()) is None

    deadline = time.monotonic() + 60
    result = aggregate(pairs())
    while result.status is not HealthStatus.HEALTHY:
        assert result.status is HealthStatus.PROGRESSING, result
        assert result.message.startswith(f"Deployment {ns}/api")
        assert time.monotonic() < deadline, result
        time.sleep(0.1)
        result = aggregate(pairs())
    assert result == HealthResult(HealthStatus.HEALTHY)
