"""The local bench's workload: the demo web service (`seaway.demo.webapp`, real processes) as
a Rollout's pods, its Services, the sanity analysis, and a client that sends requests one after
the other and keeps every answer with its times."""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from seaway.model.tracking import APP_LABEL

STABLE = "web"
CANARY = "web-canary"
PREVIEW = "web-preview"


def rollout(
    namespace: str,
    version: str,
    strategy: dict[str, Any],
    *,
    replicas: int = 2,
    broken: bool = False,
) -> dict[str, Any]:
    env = [{"name": "VERSION", "value": version}]
    if broken:
        env.append({"name": "BROKEN", "value": "1"})
    container = {
        "name": "web",
        "image": f"example/web:{version}",
        "command": [sys.executable, "-m", "seaway.demo.webapp"],
        "env": env,
        "ports": [{"name": "http", "containerPort": 8080}],
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 0.2},
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "web", "namespace": namespace, "labels": {APP_LABEL: "web-app"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"terminationGracePeriodSeconds": 2, "containers": [container]},
            },
            "strategy": strategy,
        },
    }


def service(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 0, "targetPort": "http"}]},
    }


def sanity_template(namespace: str) -> dict[str, Any]:
    """One CRUD round trip against the canary: a broken release fails its first measurement."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "sanity", "namespace": namespace},
        "spec": {
            "args": [{"name": "url"}],
            "metrics": [
                {"name": "crud", "count": 1, "provider": {"sanity": {"url": "{{args.url}}"}}}
            ],
        },
    }


def canary(*steps: dict[str, Any]) -> dict[str, Any]:
    return {
        "canary": {
            "stableService": STABLE,
            "canaryService": CANARY,
            "trafficRouting": {"seaway": {"router": "local"}},
            "steps": list(steps),
        }
    }


def analysis_step(canary_port: int) -> dict[str, Any]:
    return {
        "analysis": {
            "templates": [{"templateName": "sanity"}],
            "args": [{"name": "url", "value": f"http://127.0.0.1:{canary_port}"}],
        }
    }


@dataclass(frozen=True)
class Answer:
    start: float  # time.time() when the request was sent
    end: float
    result: str  # the version that answered, "HTTP <code>" or "error: ..."

    @property
    def ok(self) -> bool:
        return not self.result.startswith(("HTTP ", "error"))


def ask(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/version")
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            return f"HTTP {resp.status}"
        return str(json.loads(body)["version"])
    except (OSError, http.client.HTTPException, ValueError, KeyError) as error:
        return f"error: {type(error).__name__}"
    finally:
        conn.close()


@dataclass
class Client:
    """Requests to one port, one after the other on a thread of its own, each answer kept."""

    port: int
    pause: float = 0.005
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Client:
        self._thread = threading.Thread(target=self._loop, daemon=True, name="bench client")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            start = time.time()
            result = ask(self.port)
            self.answers.append(Answer(start, time.time(), result))
            self._stop.wait(self.pause)

    def since(self, t: float) -> list[Answer]:
        return [a for a in list(self.answers) if a.start >= t]
