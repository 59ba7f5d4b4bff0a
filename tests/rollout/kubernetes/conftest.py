"""Fixtures for the Kubernetes rollout target: the real API server of the test control plane
with Seaway's CRDs and Gateway API's standard CRDs (from the Go module, built into the testbed
cache), a fresh namespace per test and Rollout manifests to start from."""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from seaway.cluster.kubernetes import KubeRest
from seaway.controller.install import install_crds
from seaway.rollout.targets.kubernetes import KubernetesRolloutTarget
from testbed.build import ensure_built
from testbed.components import GATEWAY_API
from tests.conftest import Kube

ROLLOUT_API = "argoproj.io/v1alpha1"
ROUTE_API = "gateway.networking.k8s.io/v1"
_installed: set[str] = set()


async def install_gateway_api(rest: KubeRest) -> None:
    """Gateway API's CRDs as the module ships them, once per session (and cluster)."""
    if "gateway-api" in _installed:
        return
    built = ensure_built(GATEWAY_API, log=False)
    names = []
    for path in sorted(built.data_dir.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if crd:
                await rest.apply(crd, field_manager="testbed")
                names.append(crd["metadata"]["name"])
    for name in names:

        async def established(name: str = name) -> bool:
            return await _established(rest, name)

        await wait_for(established, f"CRD {name} Established")
    rest.forget_discovery()
    _installed.add("gateway-api")


async def _established(rest: KubeRest, name: str) -> bool:
    got = await rest.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", name)
    conditions = ((got or {}).get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)


async def wait_for(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        await asyncio.sleep(0.1)


@dataclass
class Cluster:
    rest: KubeRest
    namespace: str
    target: KubernetesRolloutTarget

    async def create(self, obj: dict[str, Any], manager: str = "seaway") -> dict[str, Any]:
        obj = copy.deepcopy(obj)
        obj["metadata"]["namespace"] = self.namespace
        return await self.rest.apply(obj, field_manager=manager)

    async def get(self, api: str, kind: str, name: str) -> dict[str, Any]:
        got = await self.rest.get(api, kind, name, self.namespace)
        assert got is not None, f"{kind} {name} is missing"
        return got

    async def rollout(self, name: str = "web") -> dict[str, Any]:
        return await self.get(ROLLOUT_API, "Rollout", name)


async def until_status(cluster: Cluster, **wanted: Any) -> dict[str, Any]:
    """The Rollout's status once every `wanted` field has its value (90 s at most)."""
    last: dict[str, Any] = {}

    async def check() -> bool:
        nonlocal last
        last = dict((await cluster.rollout()).get("status") or {})
        return all(last.get(k) == v for k, v in wanted.items())

    try:
        await wait_for(check, f"Rollout status {wanted}", timeout=90)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last status: {last}") from None
    return last


@pytest.fixture
async def cluster(kube: Kube) -> AsyncIterator[Cluster]:
    rest = KubeRest.from_kubeconfig(kube.kubeconfig)
    if "seaway" not in _installed:
        await install_crds(rest)
        _installed.add("seaway")
    await install_gateway_api(rest)
    namespace = f"ro-{uuid.uuid4().hex[:8]}"
    await rest.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    try:
        yield Cluster(rest, namespace, KubernetesRolloutTarget(rest))
    finally:
        await rest.delete("v1", "Namespace", namespace, propagation="Background")
        await rest.close()


def rollout(
    strategy: dict[str, Any], image: str = "example/web:1.0", replicas: int = 2, name: str = "web"
) -> dict[str, Any]:
    return {
        "apiVersion": ROLLOUT_API,
        "kind": "Rollout",
        "metadata": {"name": name, "namespace": ""},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
            "strategy": strategy,
        },
    }


def service(name: str, app: str = "web") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ""},
        "spec": {"selector": {"app": app}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def http_route(name: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": ROUTE_API,
        "kind": "HTTPRoute",
        "metadata": {"name": name, "namespace": ""},
        "spec": {"parentRefs": [{"name": "gateway"}], "rules": rules},
    }
