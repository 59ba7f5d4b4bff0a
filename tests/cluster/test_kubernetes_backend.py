"""KubernetesBackend against the real API server of the test control plane."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from seaway.cluster.kubernetes import FIELD_MANAGER, KubeError, KubernetesBackend, UnknownKind
from seaway.model.tracking import stamp
from tests.conftest import Kube

pytestmark = [pytest.mark.kube, pytest.mark.anyio]


@pytest.fixture
async def backend(kube: Kube) -> AsyncIterator[KubernetesBackend]:
    b = KubernetesBackend.from_kubeconfig(kube.kubeconfig)
    try:
        yield b
    finally:
        await b.close()


@pytest.fixture
async def namespace(backend: KubernetesBackend) -> AsyncIterator[str]:
    name = f"kb-{uuid.uuid4().hex[:8]}"
    await backend.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    try:
        yield name
    finally:
        await backend.delete("v1", "Namespace", name, None)


def config_map(ns: str, name: str, data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns},
        "data": data,
    }


async def test_apply_is_server_side_with_seaway_as_field_manager(
    backend: KubernetesBackend, namespace: str
) -> None:
    stored = await backend.apply(config_map(namespace, "settings", {"color": "blue"}))
    assert stored["data"] == {"color": "blue"}
    managers = {m["manager"]: m["operation"] for m in stored["metadata"]["managedFields"]}
    assert managers == {FIELD_MANAGER: "Apply"}

    live = await backend.get("v1", "ConfigMap", "settings", namespace)
    assert live is not None
    assert live["data"] == {"color": "blue"}
    assert await backend.get("v1", "ConfigMap", "absent", namespace) is None


async def test_dry_run_changes_nothing(backend: KubernetesBackend, namespace: str) -> None:
    await backend.apply(config_map(namespace, "settings", {"color": "blue"}))
    preview = await backend.apply(config_map(namespace, "settings", {"color": "red"}), dry_run=True)
    assert preview["data"] == {"color": "red"}
    live = await backend.get("v1", "ConfigMap", "settings", namespace)
    assert live is not None
    assert live["data"] == {"color": "blue"}


async def test_list_app_finds_only_objects_tracked_by_that_app(
    backend: KubernetesBackend, namespace: str
) -> None:
    await backend.apply(stamp("guestbook", config_map(namespace, "ours", {"a": "1"})))
    await backend.apply(stamp("other", config_map(namespace, "theirs", {"a": "1"})))
    # Copied from "ours" with its label, but its tracking id names another object: not ours.
    copied = stamp("guestbook", config_map(namespace, "ours", {"a": "1"}))
    copied["metadata"]["name"] = "copy"
    await backend.apply(copied)
    await backend.apply(config_map(namespace, "untracked", {"a": "1"}))

    found = await backend.list_app("guestbook", [("v1", "ConfigMap"), ("v1", "Secret")])
    assert sorted(o["metadata"]["name"] for o in found) == ["ours"]
    assert all(o["kind"] == "ConfigMap" and o["apiVersion"] == "v1" for o in found)


async def test_delete_reports_whether_there_was_something(
    backend: KubernetesBackend, namespace: str
) -> None:
    await backend.apply(config_map(namespace, "gone-soon", {}))
    assert await backend.delete("v1", "ConfigMap", "gone-soon", namespace) is True
    # Foreground deletion: the object may linger a moment while the collector finishes.
    for _ in range(50):
        if await backend.get("v1", "ConfigMap", "gone-soon", namespace) is None:
            break
        await asyncio.sleep(0.1)
    assert await backend.delete("v1", "ConfigMap", "gone-soon", namespace) is False


async def test_custom_resource_is_usable_right_after_its_crd(
    backend: KubernetesBackend, namespace: str
) -> None:
    group = f"{uuid.uuid4().hex[:6]}.seaway.test"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }
    assert await backend.get(f"{group}/v1", "Widget", "w", namespace) is None
    await backend.apply(crd)
    widget = {
        "apiVersion": f"{group}/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": namespace},
        "spec": {"size": 3},
    }
    stored = None
    for _ in range(50):  # the CRD takes a moment to be served
        try:
            stored = await backend.apply(widget)
            break
        except UnknownKind:
            await asyncio.sleep(0.2)
    assert stored is not None
    assert stored["spec"] == {"size": 3}
    assert await backend.is_namespaced(f"{group}/v1", "Widget") is True
    await backend.delete(
        "apiextensions.k8s.io/v1", "CustomResourceDefinition", crd["metadata"]["name"], None
    )


async def test_namespaced_kind_without_namespace_is_refused(backend: KubernetesBackend) -> None:
    obj = config_map("", "x", {})
    del obj["metadata"]["namespace"]
    with pytest.raises(KubeError, match="namespaced"):
        await backend.apply(obj)
