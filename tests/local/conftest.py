"""Fixtures of the local backend tests: programs to run, replicas that are always stopped."""

from __future__ import annotations

import http.client
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from seaway.cluster.local import (
    Backoff,
    Replica,
    ReplicaSpec,
    ReplicaState,
    SourceKind,
    replica_spec_from_container,
)
from tests.local.programs import ALL


@pytest.fixture
def programs(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "programs"
    folder.mkdir()
    paths = {}
    for name, source in ALL.items():
        path = folder / name
        path.write_text(source)
        paths[name] = path
    return paths


def lookup_from(
    config_maps: Mapping[str, Mapping[str, str]] | None = None,
    secrets: Mapping[str, Mapping[str, str]] | None = None,
) -> Callable[[SourceKind, str], Mapping[str, str] | None]:
    def lookup(kind: SourceKind, name: str) -> Mapping[str, str] | None:
        source = config_maps if kind is SourceKind.CONFIG_MAP else secrets
        return (source or {}).get(name)

    return lookup


def container(program: Path, *args: str, **fields: Any) -> dict[str, Any]:
    """A container spec that runs `program` with this Python."""
    return {
        "name": fields.pop("name", "app"),
        "image": "example.org/app:1",
        "command": [sys.executable, "-u", str(program)],
        "args": list(args),
        **fields,
    }


def http_port() -> list[dict[str, Any]]:
    return [{"name": "http", "containerPort": 8080}]


def http_probe(path: str, **timing: Any) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": "http"}, **timing}


FAST_BACKOFF = Backoff(base=0.2, cap=0.8, reset_after=60.0)


@dataclass
class Replicas:
    """Starts replicas and stops every one of them when the test ends, passed or failed."""

    log_dir: Path
    started: list[Replica]

    def spec(
        self, raw: Mapping[str, Any], *, name: str = "web-0", grace: float = 5.0, **kw: Any
    ) -> ReplicaSpec:
        return replica_spec_from_container(
            raw,
            pod_name=name,
            namespace="default",
            lookup=kw.pop("lookup", lookup_from()),
            termination_grace_period_seconds=grace,
            **kw,
        )

    async def start(self, spec: ReplicaSpec, **kw: Any) -> Replica:
        replica = Replica(
            spec,
            log_dir=self.log_dir,
            backoff=kw.pop("backoff", FAST_BACKOFF),
            **kw,
        )
        self.started.append(replica)
        await replica.start()
        return replica

    async def ready(self, spec: ReplicaSpec, timeout: float = 15.0, **kw: Any) -> Replica:
        replica = await self.start(spec, **kw)
        await replica.wait_until(lambda s: s.state is ReplicaState.READY, timeout)
        return replica


@pytest.fixture
async def replicas(tmp_path: Path) -> AsyncIterator[Replicas]:
    pool = Replicas(tmp_path / "logs", [])
    try:
        yield pool
    finally:
        for replica in pool.started:
            await replica.stop(grace=1.0)


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return self.body.decode()


def fetch(
    port: int,
    path: str = "/",
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 10.0,
) -> Response:
    """One request on its own connection, with the standard library's client (blocking: run it
    with asyncio.to_thread)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        answer = conn.getresponse()
        return Response(
            answer.status, answer.read(), {k.lower(): v for k, v in answer.getheaders()}
        )
    finally:
        conn.close()
