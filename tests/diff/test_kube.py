"""The diff against a real API server: what server-side apply stores, defaults and records in
managedFields is what the diff must read correctly."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from lightkube import Client, KubeConfig, codecs
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import ConfigMap, Namespace, Secret, Service

from seaway.diff import CHANGED_MASK, IgnoreRule, diff
from tests.conftest import Kube

pytestmark = pytest.mark.kube

OTHER = "kubectl-edit"


@pytest.fixture
def namespace(kube: Kube) -> Iterator[str]:
    name = f"diff-{uuid.uuid4().hex[:8]}"
    with Client(KubeConfig.from_file(kube.kubeconfig), field_manager="seaway") as client:
        client.apply(
            codecs.from_dict({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        )
        yield name
        client.delete(Namespace, name)


@pytest.fixture
def seaway(kube: Kube) -> Iterator[Client]:
    with Client(KubeConfig.from_file(kube.kubeconfig), field_manager="seaway") as client:
        yield client


@pytest.fixture
def other(kube: Kube) -> Iterator[Client]:
    with Client(KubeConfig.from_file(kube.kubeconfig), field_manager=OTHER) as client:
        yield client


def objects(ns: str) -> dict[str, dict[str, Any]]:
    labels = {"app": "shop", "tier": "web"}
    return {
        "deployment": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "shop", "namespace": ns, "labels": dict(labels)},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "shop"}},
                "template": {
                    "metadata": {"labels": dict(labels)},
                    "spec": {
                        "containers": [
                            {
                                "name": "shop",
                                "image": "example/shop:1.4.2",
                                "ports": [{"containerPort": 8080, "name": "http"}],
                                "env": [
                                    {"name": "MODE", "value": "production"},
                                    {"name": "WORKERS", "value": "4"},
                                ],
                                "resources": {
                                    "requests": {"cpu": "0.5", "memory": "256Mi"},
                                    "limits": {"cpu": 1, "memory": "1Gi"},
                                },
                                "volumeMounts": [{"name": "config", "mountPath": "/etc/shop"}],
                            }
                        ],
                        "volumes": [{"name": "config", "configMap": {"name": "shop"}}],
                    },
                },
            },
        },
        "service": {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "shop", "namespace": ns},
            "spec": {
                "selector": {"app": "shop"},
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
            },
        },
        "configmap": {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "shop", "namespace": ns},
            "data": {"shop.yaml": "currency: EUR\nlimit: 10\n", "theme": "dark"},
        },
        "secret": {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "shop", "namespace": ns},
            "type": "Opaque",
            "stringData": {"password": "hunter2-is-long-enough"},
            "data": {"token": "c2VjcmV0LXRva2Vu"},
        },
    }


RESOURCES: dict[str, Any] = {
    "deployment": Deployment,
    "service": Service,
    "configmap": ConfigMap,
    "secret": Secret,
}


def read(client: Client, what: str, ns: str) -> dict[str, Any]:
    live: dict[str, Any] = client.get(RESOURCES[what], "shop", namespace=ns).to_dict()
    return live


def apply_all(client: Client, ns: str) -> dict[str, dict[str, Any]]:
    desired = objects(ns)
    for obj in desired.values():
        client.apply(codecs.from_dict(copy.deepcopy(obj)), force=True)
    return desired


def test_right_after_apply_nothing_differs_though_the_server_filled_in_defaults(
    seaway: Client, namespace: str
) -> None:
    desired = apply_all(seaway, namespace)
    for what, obj in desired.items():
        live = read(seaway, what, namespace)
        result = diff(obj, live)
        assert not result.modified, (what, result.changes, result.text())
        assert result.changes == ()
        assert result.text() == ""

    # The comparison above meant something: the server did add what desired leaves out.
    deployment = read(seaway, "deployment", namespace)
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert container["ports"][0]["protocol"] == "TCP"
    assert container["resources"]["requests"]["cpu"] == "500m"
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    assert deployment["metadata"]["managedFields"]
    service = read(seaway, "service", namespace)
    assert service["spec"]["clusterIP"]
    secret = read(seaway, "secret", namespace)
    assert "stringData" not in secret
    assert set(secret["data"]) == {"password", "token"}


def test_changes_by_another_field_manager_are_drift(
    seaway: Client, other: Client, namespace: str
) -> None:
    desired = apply_all(seaway, namespace)
    other.patch(Deployment, "shop", {"spec": {"replicas": 5}}, namespace=namespace)
    other.patch(
        Deployment,
        "shop",
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {"name": "shop", "env": [{"name": "DEBUG", "value": "true"}]}
                        ]
                    }
                }
            }
        },
        namespace=namespace,
    )
    live = read(seaway, "deployment", namespace)
    managers = {entry["manager"] for entry in live["metadata"]["managedFields"]}
    assert OTHER in managers

    result = diff(desired["deployment"], live)

    assert result.modified
    by_path = {c.path: c for c in result.changes}
    assert by_path["/spec/replicas"].desired == 2
    assert by_path["/spec/replicas"].live == 5
    added = [
        c for c in result.changes if c.path.startswith("/spec/template/spec/containers/0/env/")
    ]
    assert [c.live for c in added] == [{"name": "DEBUG", "value": "true"}]
    assert added[0].desired is None
    assert "-  replicas: 5" in result.text()
    assert "+  replicas: 2" in result.text()
    assert "DEBUG" in result.text()

    trusted = diff(
        desired["deployment"], live, ignore=[IgnoreRule(managed_fields_managers=(OTHER,))]
    )
    assert not trusted.modified, trusted.changes

    only_replicas = diff(
        desired["deployment"],
        live,
        ignore=[IgnoreRule(group="apps", kind="Deployment", json_pointers=("/spec/replicas",))],
    )
    assert [c.path for c in only_replicas.changes] == [added[0].path]

    by_jq = diff(
        desired["deployment"],
        live,
        ignore=[
            IgnoreRule(
                kind="Deployment",
                jq_path_expressions=(
                    '.spec.template.spec.containers[].env[] | select(.name == "DEBUG")',
                ),
            )
        ],
    )
    assert [c.path for c in by_jq.changes] == ["/spec/replicas"]

    elsewhere = diff(
        desired["deployment"],
        live,
        ignore=[IgnoreRule(kind="Deployment", name="not-shop", json_pointers=("/spec",))],
    )
    assert elsewhere.changes == result.changes


def test_a_field_removed_from_desired_that_seaway_applied_is_drift(
    seaway: Client, other: Client, namespace: str
) -> None:
    desired = apply_all(seaway, namespace)
    # A label someone else adds is theirs: not in Git, but not Seaway's to remove either.
    other.patch(
        Deployment, "shop", {"metadata": {"labels": {"team": "checkout"}}}, namespace=namespace
    )
    live = read(seaway, "deployment", namespace)
    assert not diff(desired["deployment"], live).modified

    trimmed = copy.deepcopy(desired["deployment"])
    del trimmed["metadata"]["labels"]["tier"]
    container = trimmed["spec"]["template"]["spec"]["containers"][0]
    del container["resources"]["limits"]["memory"]
    container["env"] = [e for e in container["env"] if e["name"] != "WORKERS"]

    result = diff(trimmed, live)

    changes = {c.path: (c.desired, c.live) for c in result.changes}
    assert changes == {
        "/metadata/labels/tier": (None, "web"),
        "/spec/template/spec/containers/0/resources/limits/memory": (None, "1Gi"),
        "/spec/template/spec/containers/0/env/1": (None, {"name": "WORKERS", "value": "4"}),
    }
    # Under another manager's name the same live object shows no removal: ownership decides.
    assert "/metadata/labels/tier" not in {
        c.path for c in diff(trimmed, live, manager="someone-else").changes
    }

    configmap = copy.deepcopy(desired["configmap"])
    del configmap["data"]["theme"]
    cm_result = diff(configmap, read(seaway, "configmap", namespace))
    assert [(c.path, c.live) for c in cm_result.changes] == [("/data/theme", "dark")]


def test_secret_values_never_show_but_their_changes_do(
    seaway: Client, other: Client, namespace: str
) -> None:
    desired = apply_all(seaway, namespace)
    other.patch(
        Secret, "shop", {"stringData": {"password": "changed-by-hand"}}, namespace=namespace
    )
    live = read(seaway, "secret", namespace)

    result = diff(desired["secret"], live)

    assert result.modified
    assert [(c.path, c.desired) for c in result.changes] == [("/data/password", CHANGED_MASK)]
    text = result.text()
    for plain in ("hunter2", "changed-by-hand", "secret-token", "c2VjcmV0LXRva2Vu"):
        assert plain not in text
        assert plain not in repr(result)
    assert "password: ++++++++ (changed)" in text

    seaway.apply(codecs.from_dict(copy.deepcopy(desired["secret"])), force=True)
    assert not diff(desired["secret"], read(seaway, "secret", namespace)).modified
