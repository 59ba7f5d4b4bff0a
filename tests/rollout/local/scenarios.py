"""Pieces of the rollout scenarios the driver tests share with the earlier controller
(`earlier.py`) that runs the first half of a restart test in a process of its own."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from seaway.rollout.engine.types import RolloutPhase
from tests.rollout.local.harness import Harness
from tests.rollout.local.workload import NAMESPACE, rollout, service, split

SANITY = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "AnalysisTemplate",
    "metadata": {"name": "sanity", "namespace": NAMESPACE},
    "spec": {
        "args": [{"name": "url"}],
        "metrics": [
            {
                "name": "crud",
                "count": 2,
                "interval": "200ms",
                "provider": {"sanity": {"url": "{{args.url}}"}},
            }
        ],
    },
}


def fixed_service(name: str, port: int) -> dict[str, Any]:
    svc = service(name)
    svc["spec"]["ports"] = [{"port": port, "targetPort": "http"}]
    return svc


def strategy(*steps: dict[str, Any]) -> dict[str, Any]:
    return {
        "canary": {
            "stableService": "web",
            "canaryService": "web-canary",
            "trafficRouting": {
                "seaway": {"router": "local"},
                "managedRoutes": [{"name": "beta"}],
            },
            "steps": list(steps),
        }
    }


BETA_ROUTE = {
    "setHeaderRoute": {
        "name": "beta",
        "match": [
            {"headerName": "X-Group", "headerValue": {"exact": "beta"}},
            {"cookieName": "group", "cookieValue": {"prefix": "beta"}},
        ],
    }
}


def analysis_step(canary_port: int) -> dict[str, Any]:
    url = f"http://127.0.0.1:{canary_port}"
    return {
        "analysis": {
            "templates": [{"templateName": "sanity"}],
            "args": [{"name": "url", "value": url}],
        }
    }


async def deploy_v1(h: Harness, stable_port: int, canary_port: int) -> None:
    await h.backend.apply(fixed_service("web", stable_port))
    await h.backend.apply(fixed_service("web-canary", canary_port))
    await h.backend.apply(SANITY)
    await h.backend.apply(rollout("v1", strategy({"setWeight": 20})))
    await h.wait_status("v1 Healthy", lambda s: s.phase is RolloutPhase.HEALTHY)
    await until_split(stable_port, {"v1": 10})


async def until_split(port: int, wanted: dict[str, int], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    got: Any = None
    while time.monotonic() < deadline:
        try:
            got = dict(await split(port, sum(wanted.values())))
        except OSError as error:
            # A listener that is not up yet (just after a restart) is waited for.
            got = error
        if got == wanted:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"split {got}, wanted {wanted}")


async def earlier_life(scenario: str, data: Path, stable: int, canary: int) -> dict[str, Any]:
    """The first controller, in a process of its own that dies mid-rollout (see earlier.py)."""
    done = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "tests.rollout.local.earlier",
            scenario,
            str(data),
            str(stable),
            str(canary),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[3],
        check=False,
    )
    assert done.returncode == 0, done.stderr
    told: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return told


def two_ports() -> tuple[int, int]:
    """Two distinct free ports (both held while choosing, so they cannot be the same)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(2):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
    return ports[0], ports[1]
