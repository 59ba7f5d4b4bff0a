"""The router over real HTTP on 127.0.0.1, in front of real backend processes."""

from __future__ import annotations

import asyncio
import http.client
import json
import math
import socket
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from seaway.cluster.local import (
    BackendGroup,
    CookieMatch,
    Endpoint,
    HeaderMatch,
    Listener,
    MatchKind,
    Replica,
    Router,
    RoutingTable,
    Rule,
    Timeouts,
)
from seaway.cluster.local.routing import with_weights
from seaway.cluster.local.spec import free_port
from tests.local.conftest import Replicas, container, fetch, http_port, http_probe

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(90)]


@dataclass(frozen=True)
class Backend:
    replica: Replica
    endpoint: Endpoint


async def start_backends(
    replicas: Replicas, programs: dict[str, Path], *versions: str
) -> list[Backend]:
    specs = [
        replicas.spec(
            container(
                programs["server.py"],
                ports=http_port(),
                env=[{"name": "VERSION", "value": version}],
                readinessProbe=http_probe("/ready", periodSeconds=0.05),
            ),
            name=f"web-{index}",
        )
        for index, version in enumerate(versions)
    ]
    started = await asyncio.gather(*(replicas.ready(spec) for spec in specs))
    return [
        Backend(replica, Endpoint("127.0.0.1", spec.host_port("http")))
        for replica, spec in zip(started, specs, strict=True)
    ]


@dataclass(frozen=True)
class Result:
    began: float
    ended: float
    status: int
    body: str


def run_requests(
    port: int,
    count: int | None = None,
    *,
    path: str = "/version",
    headers: Mapping[str, str] | None = None,
    until: threading.Event | None = None,
    into: list[Result] | None = None,
) -> list[Result]:
    """Requests one after the other on one keep-alive connection (blocking: use to_thread);
    `into` lets the caller watch the results arrive."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    results: list[Result] = [] if into is None else into
    try:
        # Bounded either way: by count, or by the event with a hard cap.
        limit = count if count is not None else 100_000
        for _ in range(limit):
            if until is not None and until.is_set():
                break
            began = time.monotonic()
            conn.request("GET", path, headers=dict(headers or {}))
            answer = conn.getresponse()
            body = answer.read().decode()
            results.append(Result(began, time.monotonic(), answer.status, body))
    finally:
        conn.close()
    return results


def versions(results: list[Result]) -> Counter[str]:
    return Counter(r.body for r in results)


@pytest.mark.parametrize(("stable", "canary"), [(80, 20), (95, 5)])
async def test_weighted_split_over_1000_requests(
    programs: dict[str, Path], replicas: Replicas, stable: int, canary: int
) -> None:
    v1a, v1b, v2 = await start_backends(replicas, programs, "v1", "v1", "v2")
    table = RoutingTable(
        (
            BackendGroup("stable", (v1a.endpoint, v1b.endpoint), stable),
            BackendGroup("canary", (v2.endpoint,), canary),
        )
    )
    async with Listener(table, name="web:80") as listener:
        results = await asyncio.to_thread(run_requests, listener.port, 1000)
        snap = listener.snapshot()
    assert all(r.status == 200 for r in results)
    seen = versions(results)
    share = {"v1": stable / (stable + canary), "v2": canary / (stable + canary)}
    for version, expected in share.items():
        assert abs(seen[version] / 1000 - expected) <= 0.05, seen
    stable_snap, canary_snap = snap.group("stable"), snap.group("canary")
    assert stable_snap.requests == seen["v1"]
    assert canary_snap.requests == seen["v2"]
    # Round-robin inside the group: its two endpoints share its requests evenly.
    a = stable_snap.endpoint(str(v1a.endpoint)).requests
    b = stable_snap.endpoint(str(v1b.endpoint)).requests
    assert abs(a - b) <= 1
    assert snap.connections == 1
    print(f"weights {stable}/{canary}: v1={seen['v1']} v2={seen['v2']} (endpoints {a}/{b})")


async def test_header_and_cookie_rules_route_exactly(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    v1, v2 = await start_backends(replicas, programs, "v1", "v2")
    table = RoutingTable(
        (BackendGroup("stable", (v1.endpoint,), 100), BackendGroup("canary", (v2.endpoint,), 0)),
        (
            Rule("canary", headers=(HeaderMatch("X-Canary", "always"),)),
            Rule("canary", headers=(HeaderMatch("x-user", "beta-", MatchKind.PREFIX),)),
            Rule("canary", headers=(HeaderMatch("x-region", r"eu-(west|north)", MatchKind.REGEX),)),
            Rule("canary", cookies=(CookieMatch("group", "beta"),)),
        ),
    )
    cases: list[tuple[dict[str, str], str]] = [
        ({"X-Canary": "always"}, "v2"),
        ({"x-canary": "Always"}, "v1"),
        ({"X-User": "beta-17"}, "v2"),
        ({"X-User": "alpha-17"}, "v1"),
        ({"X-Region": "eu-north"}, "v2"),
        ({"X-Region": "eu-south"}, "v1"),
        ({"Cookie": "theme=dark; group=beta"}, "v2"),
        ({"Cookie": "group=beta2"}, "v1"),
        ({}, "v1"),
    ]
    async with Listener(table) as listener:
        for headers, expected in cases:
            results = await asyncio.to_thread(run_requests, listener.port, 50, headers=headers)
            assert versions(results) == {expected: 50}, headers
        snap = listener.snapshot()
    assert snap.group("canary").requests == 4 * 50
    assert snap.group("stable").requests == 5 * 50


async def test_failover_when_an_endpoint_dies(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    first, second = await start_backends(replicas, programs, "a", "b")
    table = RoutingTable((BackendGroup("stable", (first.endpoint, second.endpoint), 1),))
    async with Listener(table) as listener:
        before = await asyncio.to_thread(run_requests, listener.port, 100)
        assert versions(before) == {"a": 50, "b": 50}
        await first.replica.stop()
        died_at = time.monotonic()
        after = await asyncio.to_thread(run_requests, listener.port, 100)
        snap = listener.snapshot().group("stable")
        assert all(r.status == 200 for r in after)
        assert versions(after) == {"b": 100}
        # Every second request tried the dead endpoint first and went on to the live one.
        assert snap.connection_errors == 50
        assert snap.endpoint(str(first.endpoint)).connection_errors == 50
        assert snap.endpoint(str(first.endpoint)).requests == 50
        assert snap.endpoint(str(second.endpoint)).requests == 150
        assert snap.responses_5xx == 0
        first_ok = after[0].ended - died_at
        slowest = max(r.ended - r.began for r in after)

        await second.replica.stop()
        none_left = await asyncio.to_thread(run_requests, listener.port, 4)
        assert [r.status for r in none_left] == [502] * 4
        assert "no endpoint of group 'stable' accepted a connection" in none_left[0].body
        snap = listener.snapshot().group("stable")
        assert snap.connection_errors == 50 + 4 * 2
        assert snap.responses_5xx == 4
    print(
        f"failover: first answer {first_ok * 1000:.1f} ms after the death, "
        f"slowest {slowest * 1000:.1f} ms"
    )


async def test_empty_group_answers_503_and_no_weight_is_unrouted(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    (v1,) = await start_backends(replicas, programs, "v1")
    table = RoutingTable(
        (BackendGroup("stable", (v1.endpoint,), 0), BackendGroup("canary", (), 0)),
        (Rule("canary", headers=(HeaderMatch("x-canary", "1"),)),),
    )
    async with Listener(table) as listener:
        empty = await asyncio.to_thread(run_requests, listener.port, 3, headers={"x-canary": "1"})
        unrouted = await asyncio.to_thread(run_requests, listener.port, 2)
        snap = listener.snapshot()
    assert [r.status for r in empty] == [503] * 3
    assert "group 'canary' has no endpoints" in empty[0].body
    assert [r.status for r in unrouted] == [503] * 2
    assert snap.unrouted == 2
    assert snap.group("canary").requests == 3
    assert snap.group("canary").responses_5xx == 3
    assert [g.name for g in snap.groups] == ["canary"]


async def test_table_swap_under_load(programs: dict[str, Path], replicas: Replicas) -> None:
    v1, v2 = await start_backends(replicas, programs, "v1", "v2")
    table = RoutingTable(
        (BackendGroup("stable", (v1.endpoint,), 100), BackendGroup("canary", (v2.endpoint,), 0))
    )
    stop = threading.Event()
    sinks: list[list[Result]] = [[] for _ in range(4)]

    async def answered(at_least: int) -> None:
        # Counted in requests, not seconds: a loaded machine only makes the test slower.
        async with asyncio.timeout(60):
            while sum(len(sink) for sink in sinks) < at_least:
                await asyncio.sleep(0.01)

    async with Listener(table) as listener:
        load = [
            asyncio.create_task(
                asyncio.to_thread(run_requests, listener.port, until=stop, into=sink)
            )
            for sink in sinks
        ]
        try:
            await answered(60)
            swapped_at = time.monotonic()
            listener.set_table(with_weights(listener.table, {"stable": 0, "canary": 100}))
            swap_call = time.monotonic() - swapped_at
            await answered(sum(len(sink) for sink in sinks) + 60)
        finally:
            stop.set()
            await asyncio.gather(*load)
    results = [r for sink in sinks for r in sink]
    assert all(r.status == 200 for r in results)
    before = [r for r in results if r.ended < swapped_at]
    after = [r for r in results if r.began > swapped_at]
    assert before
    assert after
    assert versions(before) == {"v1": len(before)}
    assert versions(after) == {"v2": len(after)}
    first_v2 = min(r.ended for r in results if r.body == "v2") - swapped_at
    print(
        f"swap under load: {len(results)} requests, none failed; set_table took "
        f"{swap_call * 1e6:.0f} µs, first v2 answer {first_v2 * 1000:.1f} ms after the swap"
    )


async def test_metrics_count_exactly(programs: dict[str, Path], replicas: Replicas) -> None:
    (live,) = await start_backends(replicas, programs, "v1")
    dead = Endpoint("127.0.0.1", free_port())
    table = RoutingTable(
        (BackendGroup("stable", (dead, live.endpoint), 1), BackendGroup("canary", (), 0)),
        (Rule("canary", headers=(HeaderMatch("x-canary", "1"),)),),
    )
    async with Listener(table) as listener:
        await asyncio.to_thread(run_requests, listener.port, 10)
        await asyncio.to_thread(run_requests, listener.port, 4, path="/status/500")
        await asyncio.to_thread(run_requests, listener.port, 3, path="/status/503")
        await asyncio.to_thread(run_requests, listener.port, 2, path="/status/404")
        await asyncio.to_thread(run_requests, listener.port, 2, headers={"x-canary": "1"})
        snap = listener.snapshot()
    stable = snap.group("stable")
    assert stable.requests == 19
    assert stable.responses_5xx == 7
    # Requests 1, 3, 5, ... 19 began at the dead endpoint.
    assert stable.connection_errors == math.ceil(19 / 2)
    assert stable.latency.count == 19
    assert stable.error_rate == pytest.approx(7 / 19)
    live_snap = stable.endpoint(str(live.endpoint))
    dead_snap = stable.endpoint(str(dead))
    assert (live_snap.requests, live_snap.responses_5xx, live_snap.connection_errors) == (19, 7, 0)
    assert (dead_snap.requests, dead_snap.responses_5xx, dead_snap.connection_errors) == (0, 0, 10)
    assert live_snap.latency.count == 19
    assert dead_snap.latency.count == 0
    for quantile in (stable.latency.p50, stable.latency.p95, stable.latency.p99):
        assert quantile is not None
        assert 0 < quantile < 1.0
    canary = snap.group("canary")
    assert (canary.requests, canary.responses_5xx, canary.connection_errors) == (2, 2, 0)
    assert snap.connections == 5
    p = stable.latency
    print(f"latency p50={p.p50 * 1000:.2f} ms p95={p.p95 * 1000:.2f} ms p99={p.p99 * 1000:.2f} ms")  # type: ignore[operator]


async def test_bodies_and_framing_pass_through(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    (v1,) = await start_backends(replicas, programs, "v1")
    table = RoutingTable((BackendGroup("stable", (v1.endpoint,), 1),))
    big = bytes(range(256)) * 4096  # 1 MiB

    def exchange(port: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("POST", "/echo", body=big)
            answer = conn.getresponse()
            assert answer.status == 200
            assert answer.read() == b"v1:" + big

            conn.request(
                "POST", "/echo", body=iter([b"first,", b"second,", b"third"]), encode_chunked=True
            )
            answer = conn.getresponse()
            assert answer.read() == b"v1:first,second,third"

            conn.request("GET", "/chunked?7")
            answer = conn.getresponse()
            assert answer.getheader("transfer-encoding") == "chunked"
            assert answer.read().decode() == "".join(f"part {i} of v1\n" for i in range(7))

            conn.request("HEAD", "/version")
            answer = conn.getresponse()
            assert answer.getheader("content-length") == "2"
            assert answer.read() == b""

            conn.request(
                "GET", "/headers", headers={"X-Forwarded-For": "10.1.2.3", "X-Trace": "t1"}
            )
            answer = conn.getresponse()
            seen = dict(json.loads(answer.read()))
            assert seen["x-forwarded-for"] == "10.1.2.3, 127.0.0.1"
            assert seen["x-forwarded-proto"] == "http"
            assert seen["x-trace"] == "t1"
            assert seen["host"] == f"127.0.0.1:{port}"
        finally:
            conn.close()

    async with Listener(table) as listener:
        await asyncio.to_thread(exchange, listener.port)
        snap = listener.snapshot()
    # All of it on one keep-alive connection.
    assert snap.connections == 1
    assert snap.group("stable").requests == 5


def raw_exchange(port: int, *parts: bytes, pause_for: bytes | None = None) -> bytes:
    """Send raw bytes; with pause_for, wait until the answer holds it before sending the rest."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        received = b""
        sock.sendall(parts[0])
        if pause_for is not None:
            while pause_for not in received:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        for part in parts[1:]:
            sock.sendall(part)
        sock.shutdown(socket.SHUT_WR)
        while chunk := sock.recv(65536):
            received += chunk
    return received


async def test_expect_continue_http10_and_malformed_requests(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    (v1,) = await start_backends(replicas, programs, "v1")
    table = RoutingTable((BackendGroup("stable", (v1.endpoint,), 1),))
    async with Listener(table) as listener:
        port = listener.port
        answer = await asyncio.to_thread(
            raw_exchange,
            port,
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
            b"hello",
            pause_for=b"100 Continue\r\n\r\n",
        )
        assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 ")
        assert answer.endswith(b"v1:hello")

        answer = await asyncio.to_thread(raw_exchange, port, b"GET /version HTTP/1.0\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 200 ")
        assert answer.endswith(b"\r\n\r\nv1")

        answer = await asyncio.to_thread(raw_exchange, port, b"NOT HTTP AT ALL\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 400 ")


async def test_a_slow_endpoint_gets_504(programs: dict[str, Path], replicas: Replicas) -> None:
    (v1,) = await start_backends(replicas, programs, "v1")
    table = RoutingTable((BackendGroup("stable", (v1.endpoint,), 1),))
    async with Listener(table, timeouts=Timeouts(response=0.3)) as listener:
        began = time.monotonic()
        answer = await asyncio.to_thread(fetch, listener.port, "/slow?3")
        took = time.monotonic() - began
        snap = listener.snapshot().group("stable")
    assert answer.status == 504
    assert 0.3 <= took < 2.0
    assert snap.responses_5xx == 1


async def test_router_keeps_one_listener_per_service_port(
    programs: dict[str, Path], replicas: Replicas
) -> None:
    v1, v2 = await start_backends(replicas, programs, "v1", "v2")
    async with Router() as router:
        web = await router.listen(
            "shop/web:80", RoutingTable((BackendGroup("s", (v1.endpoint,), 1),))
        )
        api = await router.listen(
            "shop/api:80", RoutingTable((BackendGroup("s", (v2.endpoint,), 1),))
        )
        assert web.port != api.port
        assert (await asyncio.to_thread(fetch, web.port, "/version")).text == "v1"
        assert (await asyncio.to_thread(fetch, api.port, "/version")).text == "v2"
        router.set_table("shop/web:80", RoutingTable((BackendGroup("s", (v2.endpoint,), 1),)))
        assert (await asyncio.to_thread(fetch, web.port, "/version")).text == "v2"
        with pytest.raises(ValueError, match="exists already"):
            await router.listen("shop/web:80", web.table)
        assert set(router.snapshot()) == {"shop/web:80", "shop/api:80"}
        await router.remove("shop/api:80")
        with pytest.raises(ConnectionRefusedError):
            await asyncio.to_thread(fetch, api.port, "/version")
        with pytest.raises(KeyError):
            router.get("shop/api:80")
    with pytest.raises(ConnectionRefusedError):
        await asyncio.to_thread(fetch, web.port, "/version")
