"""The test control plane is a real cluster: a Deployment gets a ReplicaSet and Pods that turn
Running and Ready on KWOK's simulated node, and a Service gets endpoints."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from lightkube import Client, KubeConfig, codecs
from lightkube.resources.apps_v1 import Deployment, ReplicaSet
from lightkube.resources.core_v1 import Namespace, Pod, Service
from lightkube.resources.discovery_v1 import EndpointSlice

from testbed.components import KUBERNETES_VERSION
from tests.conftest import Kube

pytestmark = pytest.mark.kube


def wait_for(what: str, probe: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def client(kube: Kube) -> Iterator[Client]:
    with Client(KubeConfig.from_file(kube.kubeconfig), field_manager="seaway-tests") as c:
        yield c


def test_api_server_reports_its_real_version(kube: Kube) -> None:
    if kube.plane is None:
        pytest.skip("a cluster given by SEAWAY_TEST_KUBECONFIG has its own version")
    version = kube.plane.request("GET", "/version")
    assert version["gitVersion"] == KUBERNETES_VERSION
    assert version["major"] == "1"


def test_deployment_becomes_available_with_ready_pods(client: Client) -> None:
    ns = "testbed-smoke"
    client.apply(
        codecs.from_dict({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    )
    labels = {"app": "web"}
    client.apply(
        codecs.from_dict(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web", "namespace": ns},
                "spec": {
                    "replicas": 3,
                    "selector": {"matchLabels": labels},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {
                            "containers": [
                                {
                                    "name": "web",
                                    "image": "example/web:1.0",
                                    "ports": [{"containerPort": 8080}],
                                }
                            ]
                        },
                    },
                },
            }
        )
    )
    client.apply(
        codecs.from_dict(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "web", "namespace": ns},
                "spec": {"selector": labels, "ports": [{"port": 80, "targetPort": 8080}]},
            }
        )
    )

    def available() -> Deployment | None:
        dep = client.get(Deployment, "web", namespace=ns)
        status = dep.status
        if status is None or status.readyReplicas != 3:
            return None
        conditions = {c.type: c.status for c in status.conditions or []}
        return dep if conditions.get("Available") == "True" else None

    wait_for("Deployment web to be Available", available)

    replica_sets = list(client.list(ReplicaSet, namespace=ns))
    assert len(replica_sets) == 1
    pods = list(client.list(Pod, namespace=ns, labels=labels))
    assert len(pods) == 3
    for pod in pods:
        assert pod.status is not None
        assert pod.status.phase == "Running"
        ready = {c.type: c.status for c in pod.status.conditions or []}
        assert ready.get("Ready") == "True"
        assert pod.spec is not None
        assert pod.spec.nodeName

    service = client.get(Service, "web", namespace=ns)
    assert service.spec is not None
    assert service.spec.clusterIP

    def ready_endpoints() -> int:
        total = 0
        for piece in client.list(
            EndpointSlice, namespace=ns, labels={"kubernetes.io/service-name": "web"}
        ):
            total += sum(
                1 for e in piece.endpoints or [] if e.conditions is not None and e.conditions.ready
            )
        return total

    assert wait_for("three ready endpoints behind Service web", ready_endpoints) == 3
    client.delete(Namespace, ns)
