"""Test helpers: a virtual clock, a scripted provider and a real HTTP server in a thread."""

from __future__ import annotations

import asyncio
import heapq
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from seaway.model.analysis import Metric
from seaway.rollout.analysis.providers import MeasurementError, Observation

START = datetime(2026, 1, 1, tzinfo=UTC)
_ROUNDS = 50


class VirtualClock:
    """Time that jumps to the next sleeper's wake-up once every other task has had its turns
    (50 rounds of the event loop's ready queue, no real time): runs with intervals of minutes
    finish in milliseconds, in the same order whatever the machine's load. Meant for runs whose
    measurements do no real I/O."""

    def __init__(self) -> None:
        self.elapsed = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0
        self._scheduled = False

    def now(self) -> datetime:
        return START + timedelta(seconds=self.elapsed)

    async def sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._sleepers, (self.elapsed + seconds, self._seq, future))
        self._seq += 1
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._tick, loop, _ROUNDS)
        await future

    def _tick(self, loop: asyncio.AbstractEventLoop, rounds: int) -> None:
        # Each hop goes to the back of the ready queue, behind every task step already there.
        if rounds:
            loop.call_soon(self._tick, loop, rounds - 1)
        else:
            self._advance(loop)

    def _advance(self, loop: asyncio.AbstractEventLoop) -> None:
        self._scheduled = False
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)
        if not self._sleepers:
            return
        self.elapsed = max(self.elapsed, self._sleepers[0][0])
        while self._sleepers and self._sleepers[0][0] <= self.elapsed:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
        if self._sleepers and not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._tick, loop, _ROUNDS)


class Scripted:
    """A provider that answers from a script: a value, or an exception to raise. The last entry
    repeats. Records when it was asked."""

    def __init__(self, clock: VirtualClock, *script: Any) -> None:
        self.clock = clock
        self.script = list(script)
        self.calls: list[float] = []
        self.began: list[str] = []

    def begin(self, metric: Metric) -> None:
        self.began.append(metric.name)

    async def measure(self, metric: Metric) -> Observation:
        self.calls.append(self.clock.elapsed)
        entry = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(entry, Exception):
            raise entry
        return Observation(entry, json.dumps(entry))


def error(message: str = "no answer") -> MeasurementError:
    return MeasurementError(message)


Handler = Callable[[BaseHTTPRequestHandler, bytes], tuple[int, Any]]


@contextmanager
def http_server(handle: Handler) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 answering with `handle(request, body)` -> (status, JSON)."""

    class _Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, answer = handle(self, body)
            raw = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
