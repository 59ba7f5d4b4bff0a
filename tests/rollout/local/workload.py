"""The rollout tests' workload: the demo web service as a Rollout's pods, its Services, and
real HTTP through the local router that counts which version answered."""

from __future__ import annotations

import asyncio
import http.client
import json
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from seaway.cluster.local.backend import LocalBackend
from seaway.model.tracking import APP_LABEL

NAMESPACE = "demo"
# The Application the Rollout belongs to, as `seaway rollout` finds it.
APP = "web-app"


def template(version: str, *, broken: bool = False) -> dict[str, Any]:
    env = [{"name": "VERSION", "value": version}]
    if broken:
        env.append({"name": "BROKEN", "value": "1"})
    return {
        "metadata": {"labels": {"app": "web"}},
        "spec": {
            "terminationGracePeriodSeconds": 2,
            "containers": [
                {
                    "name": "web",
                    "image": f"example/web:{version}",
                    "command": [sys.executable, "-m", "seaway.demo.webapp"],
                    "env": env,
                    "ports": [{"name": "http", "containerPort": 8080}],
                    "readinessProbe": {
                        "httpGet": {"path": "/healthz", "port": "http"},
                        "periodSeconds": 0.2,
                    },
                }
            ],
        },
    }


def rollout(
    version: str, strategy: Mapping[str, Any], *, replicas: int = 2, broken: bool = False
) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "web", "namespace": NAMESPACE, "labels": {APP_LABEL: APP}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": template(version, broken=broken),
            "strategy": dict(strategy),
        },
    }


def canary(*steps: Mapping[str, Any], routes: tuple[str, ...] = ()) -> dict[str, Any]:
    routing: dict[str, Any] = {"seaway": {"router": "local"}}
    if routes:
        routing["managedRoutes"] = [{"name": name} for name in routes]
    return {
        "canary": {
            "stableService": "web",
            "canaryService": "web-canary",
            "trafficRouting": routing,
            "steps": list(steps),
        }
    }


def service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 0, "targetPort": "http"}]},
    }


def service_port(backend: LocalBackend, name: str) -> int:
    port = backend.service_port(NAMESPACE, name, 0)
    assert port is not None, f"Service {name} has no listener"
    return port


def version_of(port: int, headers: Mapping[str, str] | None = None) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/version", headers=dict(headers or {}))
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            return f"HTTP {resp.status}"
        return str(json.loads(body)["version"])
    finally:
        conn.close()


async def split(port: int, count: int, headers: Mapping[str, str] | None = None) -> Counter[str]:
    """Which version answered each of `count` requests, sent one after the other."""

    def send() -> Counter[str]:
        return Counter(version_of(port, headers) for _ in range(count))

    return await asyncio.to_thread(send)


async def until(what: str, probe: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")
