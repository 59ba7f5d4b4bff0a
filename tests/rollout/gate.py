"""A check the test controls, for analyses on either backend: a real HTTP server whose answer
to `?check=NAME` fails for the names the test lists, and the AnalysisTemplate that asks it."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit


class Gate:
    """Answers a success rate: 0.2 for the checks in `failing`, 1.0 for the others."""

    def __init__(self) -> None:
        self.failing: set[str] = set()
        self.asked: list[str] = []

    def __call__(self, request: BaseHTTPRequestHandler, _body: bytes) -> tuple[int, Any]:
        check = parse_qs(urlsplit(request.path).query).get("check", [""])[0]
        self.asked.append(check)
        return 200, {"rate": 0.2 if check in self.failing else 1.0}


def gate_template(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "gate", "namespace": namespace},
        "spec": {
            "args": [{"name": "url"}],
            "metrics": [
                {
                    "name": "gate",
                    "count": 1,
                    "successCondition": "result >= 0.95",
                    "provider": {"web": {"url": "{{args.url}}", "jsonPath": "{$.rate}"}},
                }
            ],
        },
    }


def gate_ref(url: str, check: str) -> dict[str, Any]:
    """An analysis (step, or blue/green pre/post promotion) that asks the gate for `check`."""
    return {
        "templates": [{"templateName": "gate"}],
        "args": [{"name": "url", "value": f"{url}/?check={check}"}],
    }


def gated_steps(url: str, weights: tuple[int, ...]) -> list[dict[str, Any]]:
    """setWeight then an analysis asking for `stepN`, for each weight in turn."""
    steps: list[dict[str, Any]] = []
    for n, weight in enumerate(weights, start=1):
        steps += [{"setWeight": weight}, {"analysis": gate_ref(url, f"step{n}")}]
    return steps
