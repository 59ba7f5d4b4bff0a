"""Abort latency on a real API server (the testbed: KWOK makes the pods Ready): the driver as
`seaway controller` runs it (`kube_rollouts`: every Rollout, a pass per second, woken at once
by a finished run), a `web` analysis against a real HTTP server on 127.0.0.1 that reports a bad
success rate, and the HTTPRoute read every 20 ms until its weights are back to 100/0."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from seaway.cluster.kubernetes import KubeRest
from seaway.controller.install import install_crds
from seaway.controller.service import kube_rollouts
from seaway.rollout.runs import saved_states
from testbed.build import ensure_built
from testbed.components import GATEWAY_API

ROLLOUT_API = "argoproj.io/v1alpha1"
ROUTE_API = "gateway.networking.k8s.io/v1"
POLL = 0.02


@dataclass
class KubeFigures:
    to_route: list[float] = field(default_factory=list)


@contextlib.contextmanager
def failing_rate() -> Iterator[str]:
    """A metrics endpoint whose success rate is always too low: every measurement fails."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            raw = json.dumps({"rate": 0.2}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def install_gateway_api(rest: KubeRest) -> None:
    built = ensure_built(GATEWAY_API, log=False)
    names = []
    for path in sorted(built.data_dir.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if crd:
                await rest.apply(crd, field_manager="testbed")
                names.append(crd["metadata"]["name"])
    for name in names:
        for _ in range(600):
            got = await rest.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", name)
            conditions = ((got or {}).get("status") or {}).get("conditions") or []
            if any(
                c.get("type") == "Established" and c.get("status") == "True" for c in conditions
            ):
                break
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError(f"CRD {name} not Established")
    rest.forget_discovery()


def _objects(ns: str, url: str) -> list[dict[str, Any]]:
    def meta(name: str) -> dict[str, str]:
        return {"name": name, "namespace": ns}

    template = {
        "apiVersion": ROLLOUT_API,
        "kind": "AnalysisTemplate",
        "metadata": meta("success-rate"),
        "spec": {
            "metrics": [
                {
                    "name": "success-rate",
                    "count": 1,
                    "successCondition": "result >= 0.95",
                    "provider": {"web": {"url": url + "/rate", "jsonPath": "{$.rate}"}},
                }
            ]
        },
    }
    services = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta(name),
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
        }
        for name in ("web-stable", "web-canary")
    ]
    refs = [
        {"name": "web-stable", "port": 80, "weight": 100},
        {"name": "web-canary", "port": 80, "weight": 0},
    ]
    route = {
        "apiVersion": ROUTE_API,
        "kind": "HTTPRoute",
        "metadata": meta("web"),
        "spec": {"parentRefs": [{"name": "gateway"}], "rules": [{"backendRefs": refs}]},
    }
    return [template, *services, route]


def _rollout(ns: str, image: str) -> dict[str, Any]:
    strategy = {
        "canary": {
            "stableService": "web-stable",
            "canaryService": "web-canary",
            "abortScaleDownDelaySeconds": 1,
            "trafficRouting": {"seaway": {"router": "gatewayAPI", "httpRoute": "web"}},
            "steps": [
                {"setWeight": 20},
                {"analysis": {"templates": [{"templateName": "success-rate"}]}},
                {"setWeight": 50},
            ],
        }
    }
    return {
        "apiVersion": ROLLOUT_API,
        "kind": "Rollout",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
            "strategy": strategy,
        },
    }


@dataclass
class _Route:
    """The HTTPRoute's weights, read every 20 ms, each change kept with its time."""

    rest: KubeRest
    ns: str
    changes: list[tuple[float, dict[str, int]]] = field(default_factory=list)

    async def watch(self) -> None:
        last: dict[str, int] = {}
        while True:
            route = await self.rest.get(ROUTE_API, "HTTPRoute", "web", self.ns)
            rules = ((route or {}).get("spec") or {}).get("rules") or [{}]
            now = {r["name"]: int(r.get("weight", 1)) for r in rules[0].get("backendRefs") or []}
            if now != last:
                self.changes.append((time.time(), now))
                last = now
            await asyncio.sleep(POLL)

    def back_to_stable(self, after: float) -> float | None:
        for at, weights in list(self.changes):
            if at >= after and weights == {"web-stable": 100, "web-canary": 0}:
                return at
        return None


async def _status(rest: KubeRest, ns: str) -> dict[str, Any]:
    got = await rest.get(ROLLOUT_API, "Rollout", "web", ns)
    return dict((got or {}).get("status") or {})


async def _until_status(rest: KubeRest, ns: str, **wanted: Any) -> dict[str, Any]:
    last: dict[str, Any] = {}
    for _ in range(1800):
        last = await _status(rest, ns)
        if all(last.get(k) == v for k, v in wanted.items()) and (
            "abort" in wanted or not last.get("abort")
        ):
            return last
        await asyncio.sleep(0.05)
    raise RuntimeError(f"Rollout {ns}/web: not {wanted} within 90 s; last status {last}")


def _failed_at(status: dict[str, Any], after: float) -> float | None:
    times = [
        result.measurements[-1].finished_at.timestamp()
        for state in saved_states(status).values()
        if state.started_at.timestamp() >= after
        for result in state.results
        if result.phase.value == "Failed" and result.measurements
    ]
    return min(times) if times else None


async def run(kubeconfig: Path, samples: int) -> KubeFigures:
    rest = KubeRest.from_kubeconfig(kubeconfig)
    figures = KubeFigures()
    ns = f"bench-ro-{uuid.uuid4().hex[:6]}"
    try:
        await install_crds(rest)
        await install_gateway_api(rest)
        await rest.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        with failing_rate() as url:
            for obj in _objects(ns, url):
                await rest.apply(obj)
            await _measure(rest, ns, samples, figures)
    finally:
        await rest.delete("v1", "Namespace", ns, propagation="Background")
        await rest.close()
    return figures


async def _measure(rest: KubeRest, ns: str, samples: int, figures: KubeFigures) -> None:
    driver = kube_rollouts(rest)
    stop = asyncio.Event()
    driving = asyncio.create_task(driver.run(stop))
    route = _Route(rest, ns)
    watching = asyncio.create_task(route.watch())
    try:
        await rest.apply(_rollout(ns, "example/web:1"))
        await _until_status(rest, ns, phase="Healthy")
        for i in range(samples):
            applied = time.time()
            live = await rest.apply(_rollout(ns, f"example/web:{i + 2}"))
            generation = live["metadata"]["generation"]
            status = await _until_status(
                rest, ns, phase="Degraded", abort=True, observedGeneration=generation
            )
            failed_at = _failed_at(status, applied)
            if failed_at is None:
                raise RuntimeError(f"aborted without a failed measurement: {status}")
            for _ in range(500):
                back = route.back_to_stable(failed_at)
                if back is not None:
                    break
                await asyncio.sleep(POLL)
            else:
                raise RuntimeError("the HTTPRoute did not go back to 100/0")
            figures.to_route.append(max(0.0, back - failed_at))
    finally:
        watching.cancel()
        stop.set()
        with contextlib.suppress(Exception):
            await driving
