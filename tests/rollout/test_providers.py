"""Providers against real servers and real processes on this host."""

from __future__ import annotations

import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from seaway.cluster.local.metrics import ListenerMetrics, ListenerSnapshot
from seaway.model.analysis import JobMetric, Metric
from seaway.rollout.analysis.conditions import Phase, evaluate_result
from seaway.rollout.analysis.jsonpath import JsonPathError, find, parse_jsonpath
from seaway.rollout.analysis.providers import (
    CommandProvider,
    JobOutcome,
    JobProvider,
    MeasurementError,
    PrometheusProvider,
    RouterProvider,
    SanityProvider,
    WebProvider,
)
from tests.rollout.helpers import http_server

pytestmark = pytest.mark.anyio


def metric(provider: dict[str, Any], name: str = "m", **fields: Any) -> Metric:
    return Metric.model_validate({"name": name, "provider": provider, **fields})


# --- JSONPath -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("{$}", {"data": {"ok": True, "items": [{"v": 1}, {"v": 2}]}}),
        ("{$.data.ok}", True),
        ("{.data.ok}", True),
        ("{$.data.items[1].v}", 2),
        ("{$.data.items[-1].v}", 2),
        ("{$['data']['ok']}", True),
        ("{$.data.items[*].v}", [1, 2]),
    ],
)
def test_jsonpath(path: str, expected: Any) -> None:
    document = {"data": {"ok": True, "items": [{"v": 1}, {"v": 2}]}}
    assert find(parse_jsonpath(path), document) == expected


@pytest.mark.parametrize("path", ["{$.data.missing}", "{$.data.items[5]}", "{$.data.ok[0]}"])
def test_jsonpath_not_found(path: str) -> None:
    with pytest.raises(JsonPathError):
        find(parse_jsonpath(path), {"data": {"ok": True, "items": []}})


def test_jsonpath_syntax_error() -> None:
    with pytest.raises(JsonPathError, match="unsupported selector"):
        parse_jsonpath("{$.a[?(@.b)]}")


# --- web ------------------------------------------------------------------------------------


async def test_web_reads_json_path_and_sends_method_headers_and_body() -> None:
    seen: list[tuple[str, str, str | None, bytes]] = []

    def handle(request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, Any]:
        seen.append((request.command, request.path, request.headers.get("X-Token"), body))
        return 200, {"data": {"ok": True, "successPercent": 0.93}}

    with http_server(handle) as url:
        m = metric(
            {
                "web": {
                    "url": url + "/api/status",
                    "method": "POST",
                    "headers": [{"key": "X-Token", "value": "abc"}],
                    "body": '{"q": 1}',
                    "jsonPath": "{$.data}",
                }
            },
            successCondition="result.ok && result.successPercent >= 0.90",
        )
        observation = await WebProvider().measure(m)
    assert seen == [("POST", "/api/status", "abc", b'{"q": 1}')]
    assert observation.value == {"ok": True, "successPercent": 0.93}
    assert observation.text == '{"ok": true, "successPercent": 0.93}'
    assert evaluate_result(observation.value, m.success_condition) is Phase.SUCCESSFUL


async def test_web_non_2xx_answer_is_an_error() -> None:
    with (
        http_server(lambda _r, _b: (503, {"error": "down"})) as url,
        pytest.raises(MeasurementError, match="received non 2xx response code 503"),
    ):
        await WebProvider().measure(metric({"web": {"url": url}}))


async def test_web_answer_that_is_not_json_or_lacks_the_path_is_an_error() -> None:
    with (
        http_server(lambda _r, _b: (200, b"<html>")) as url,
        pytest.raises(MeasurementError, match="not JSON"),
    ):
        await WebProvider().measure(metric({"web": {"url": url}}))
    with (
        http_server(lambda _r, _b: (200, {"a": 1})) as url,
        pytest.raises(MeasurementError, match="could not find JSONPath"),
    ):
        await WebProvider().measure(metric({"web": {"url": url, "jsonPath": "{$.b}"}}))


async def test_web_timeout_is_an_error() -> None:
    def slow(_request: BaseHTTPRequestHandler, _body: bytes) -> tuple[int, Any]:
        time.sleep(1.5)
        return 200, {}

    with http_server(slow) as url:
        started = time.monotonic()
        with pytest.raises(MeasurementError, match="no answer within 1s"):
            await WebProvider().measure(metric({"web": {"url": url, "timeoutSeconds": 1}}))
        assert time.monotonic() - started < 1.4


async def test_web_unreachable_is_an_error() -> None:
    with http_server(lambda _r, _b: (200, {})) as url:
        pass  # closed: nothing listens on its port any more
    with pytest.raises(MeasurementError, match=r"GET http://127\.0\.0\.1"):
        await WebProvider().measure(metric({"web": {"url": url}}))


# --- prometheus -----------------------------------------------------------------------------


def _prometheus(request: BaseHTTPRequestHandler, _body: bytes) -> tuple[int, Any]:
    """Answers /api/v1/query in the JSON shape Prometheus' HTTP API documents."""
    parsed = urlparse(request.path)
    if parsed.path != "/api/v1/query":
        return 404, {"status": "error", "error": "not found"}
    query = parse_qs(parsed.query)["query"][0]
    if query == "vector":
        result = [
            {"metric": {"pod": "a"}, "value": [1700000000.0, "0.97"]},
            {"metric": {"pod": "b"}, "value": [1700000000.0, "NaN"]},
        ]
        return 200, {"status": "success", "data": {"resultType": "vector", "result": result}}
    if query == "empty":
        return 200, {"status": "success", "data": {"resultType": "vector", "result": []}}
    if query == "scalar":
        return 200, {"status": "success", "data": {"resultType": "scalar", "result": [1, "3"]}}
    if query == "matrix":
        return 200, {"status": "success", "data": {"resultType": "matrix", "result": []}}
    return 400, {"status": "error", "errorType": "bad_data", "error": f"parse error in {query!r}"}


async def test_prometheus_vector_scalar_and_errors() -> None:
    """No Prometheus server can run here cheaply: a small HTTP server that answers
    /api/v1/query in Prometheus' documented JSON shape stands in for it."""
    provider = PrometheusProvider()
    with http_server(_prometheus) as url:
        vector = await provider.measure(metric({"prometheus": {"address": url, "query": "vector"}}))
        assert vector.value[0] == 0.97
        assert vector.text == "[0.97,NaN]"
        assert evaluate_result(vector.value, "result[0] >= 0.95") is Phase.SUCCESSFUL
        empty = await provider.measure(metric({"prometheus": {"address": url, "query": "empty"}}))
        assert (empty.value, empty.text) == ([], "[]")
        scalar = await provider.measure(metric({"prometheus": {"address": url, "query": "scalar"}}))
        assert (scalar.value, scalar.text) == (3.0, "3")
        with pytest.raises(MeasurementError, match="'matrix' is not supported"):
            await provider.measure(metric({"prometheus": {"address": url, "query": "matrix"}}))
        with pytest.raises(
            MeasurementError, match=r"query failed \(400\): parse error in 'rate\('"
        ):
            await provider.measure(metric({"prometheus": {"address": url, "query": "rate("}}))
        # A metric without an address uses the provider's default.
        default = PrometheusProvider(default_address=url)
        assert (await default.measure(metric({"prometheus": {"query": "scalar"}}))).value == 3.0
    with pytest.raises(MeasurementError, match="no Prometheus address"):
        await provider.measure(metric({"prometheus": {"query": "scalar"}}))


# --- sanity ---------------------------------------------------------------------------------


def _service(request: BaseHTTPRequestHandler, _body: bytes) -> tuple[int, Any]:
    if request.path == "/healthz":
        return 200, {"status": "ok"}
    if request.path == "/version":
        return 200, {"version": "v2"}
    return 404, {}


async def test_sanity_passes_and_fails_with_the_first_failure() -> None:
    with http_server(_service) as url:
        good = metric(
            {
                "sanity": {
                    "url": url,
                    "requests": [
                        {"path": "/healthz", "expectJson": {"status": "ok"}},
                        {"path": "/version", "expectJson": {"version": "v2"}},
                    ],
                }
            }
        )
        passed = await SanityProvider().measure(good)
        assert (passed.phase, passed.text) == (Phase.SUCCESSFUL, "2/2")
        bad = metric({"sanity": {"url": url, "requests": [{"path": "/items"}]}})
        failed = await SanityProvider().measure(bad)
        assert failed.phase is Phase.FAILED
        assert failed.message == "GET /items: 404, expected 200"


# --- command --------------------------------------------------------------------------------


async def test_command_exit_status_decides() -> None:
    ok = metric({"command": {"command": [sys.executable, "-c", "print('all good')"]}})
    observation = await CommandProvider().measure(ok)
    assert (observation.phase, observation.value) == (Phase.SUCCESSFUL, 0)
    assert observation.message == "exit status 0: all good"
    failing = metric(
        {"command": {"command": [sys.executable, "-c", "import sys; print('broken'); sys.exit(3)"]}}
    )
    observation = await CommandProvider().measure(failing)
    assert (observation.phase, observation.value) == (Phase.FAILED, 3)
    assert observation.message == "exit status 3: broken"


async def test_command_timeout_kills_the_process(tmp_path: Path) -> None:
    marker = tmp_path / "pid"
    script = f"import os, time; open({str(marker)!r}, 'w').write(str(os.getpid())); time.sleep(30)"
    slow = metric({"command": {"command": [sys.executable, "-c", script], "timeoutSeconds": 1}})
    started = time.monotonic()
    observation = await CommandProvider().measure(slow)
    assert time.monotonic() - started < 5
    assert observation.phase is Phase.FAILED
    assert "timed out after 1s" in observation.message
    pid = int(marker.read_text())
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


async def test_command_that_cannot_start_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MeasurementError, match="cannot start"):
        await CommandProvider().measure(metric({"command": {"command": [str(tmp_path / "nope")]}}))


async def test_command_env_and_cwd(tmp_path: Path) -> None:
    check = (
        "import os, sys; "
        "sys.exit(0 if os.environ['STAGE'] == 'canary' and os.getcwd() == sys.argv[1] else 1)"
    )
    m = metric({"command": {"command": [sys.executable, "-c", check, str(tmp_path)]}})
    observation = await CommandProvider(cwd=tmp_path, env={"STAGE": "canary"}).measure(m)
    assert observation.phase is Phase.SUCCESSFUL


# --- router ---------------------------------------------------------------------------------


async def test_router_reads_the_window_since_the_previous_measurement() -> None:
    counters = ListenerMetrics()

    def snapshots(service: str) -> ListenerSnapshot:
        if service != "web":
            raise KeyError(service)
        return counters.snapshot("web", 8080)

    def traffic(group: str, statuses: list[int]) -> None:
        for status in statuses:
            counters.group(group).requests += 1
            counters.group(group).finished(status, 0.010)

    traffic("canary", [500] * 5)  # before the run: not judged
    provider = RouterProvider(snapshots)
    rate = metric({"router": {"service": "web", "group": "canary", "metric": "errorRate"}}, "rate")
    count = metric({"router": {"service": "web", "group": "canary", "metric": "requests"}}, "n")
    p95 = metric({"router": {"service": "web", "group": "canary", "metric": "p95"}}, "p95")
    for m in (rate, count, p95):
        provider.begin(m)
    traffic("canary", [200, 200, 200, 500])
    assert (await provider.measure(rate)).value == 0.25
    assert (await provider.measure(count)).value == 4.0
    latency = (await provider.measure(p95)).value
    assert latency is not None
    assert 0.008 < latency < 0.013
    # Nothing since the last measurement: no rate at all.
    empty = await provider.measure(rate)
    assert (empty.value, empty.text) == (None, "nil")
    assert evaluate_result(empty.value, "default(result, 0) < 0.05") is Phase.SUCCESSFUL
    with pytest.raises(MeasurementError, match="no Service 'api'"):
        await provider.measure(
            metric({"router": {"service": "api", "group": "a", "metric": "p50"}})
        )


async def test_router_group_seen_only_after_the_run_began() -> None:
    counters = ListenerMetrics()
    provider = RouterProvider(lambda _service: counters.snapshot("web", 80))
    rate = metric({"router": {"service": "web", "group": "beta", "metric": "errorRate"}})
    provider.begin(rate)
    counters.group("beta").requests += 2
    counters.group("beta").finished(502, 0.1)
    counters.group("beta").finished(200, 0.1)
    assert (await provider.measure(rate)).value == 0.5


# --- job ------------------------------------------------------------------------------------


async def test_job_without_a_runner_says_so() -> None:
    m = metric({"job": {"spec": {"template": {"spec": {"containers": []}}}}})
    with pytest.raises(MeasurementError, match="need a Kubernetes cluster backend"):
        await JobProvider().measure(m)


async def test_job_runner_decides() -> None:
    ran: list[str] = []

    async def runner(name: str, job: JobMetric) -> JobOutcome:
        ran.append(name)
        return JobOutcome(job.spec["ok"], "done")

    assert (await JobProvider(runner).measure(metric({"job": {"spec": {"ok": True}}}))).phase is (
        Phase.SUCCESSFUL
    )
    assert (await JobProvider(runner).measure(metric({"job": {"spec": {"ok": False}}}))).phase is (
        Phase.FAILED
    )

    async def broken(_name: str, _job: JobMetric) -> JobOutcome:
        raise RuntimeError("quota exceeded")

    with pytest.raises(MeasurementError, match="running the job failed: quota exceeded"):
        await JobProvider(broken).measure(metric({"job": {"spec": {}}}))
    assert ran == ["m", "m"]
