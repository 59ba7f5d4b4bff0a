"""Container probes with Kubernetes semantics: httpGet, tcpSocket and exec actions, and the
success/failure thresholds that turn single results into a verdict."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import h11


class ProbeKind(StrEnum):
    STARTUP = "startup"
    READINESS = "readiness"
    LIVENESS = "liveness"


@dataclass(frozen=True)
class HttpGetAction:
    port: int
    path: str = "/"
    host: str = "127.0.0.1"
    scheme: str = "HTTP"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TcpSocketAction:
    port: int
    host: str = "127.0.0.1"


@dataclass(frozen=True)
class ExecAction:
    command: tuple[str, ...]


ProbeAction = HttpGetAction | TcpSocketAction | ExecAction


@dataclass(frozen=True)
class ProbeSpec:
    """One probe; seconds may be fractions (Kubernetes allows whole seconds only), which keeps
    tests and quick local loops fast."""

    action: ProbeAction
    initial_delay: float = 0.0
    period: float = 10.0
    timeout: float = 1.0
    success_threshold: int = 1
    failure_threshold: int = 3
    # probe-level terminationGracePeriodSeconds: overrides the pod's for a liveness kill.
    termination_grace_period: float | None = None


@dataclass(frozen=True)
class ProbeResult:
    success: bool
    message: str
    # Wall-clock time the probe finished, for display; durations use the monotonic clock.
    at: float
    duration: float


class Thresholds:
    """Consecutive results to a verdict: True after `success` successes in a row, False after
    `failure` failures in a row, no change in between."""

    def __init__(self, success: int, failure: int) -> None:
        self._success = success
        self._failure = failure
        self._successes = 0
        self._failures = 0

    def record(self, ok: bool) -> bool | None:
        if ok:
            self._successes += 1
            self._failures = 0
            return True if self._successes >= self._success else None
        self._failures += 1
        self._successes = 0
        return False if self._failures >= self._failure else None


async def run_probe(
    action: ProbeAction,
    timeout: float,
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> ProbeResult:
    """Run one probe action; never raises for the probed program's faults."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            if isinstance(action, HttpGetAction):
                ok, message = await _http_get(action)
            elif isinstance(action, TcpSocketAction):
                ok, message = await _tcp_connect(action)
            else:
                ok, message = await _exec(action, env, cwd)
    except TimeoutError:
        ok, message = False, f"timed out after {timeout:g}s"
    except (OSError, h11.ProtocolError) as err:
        ok, message = False, f"{type(err).__name__}: {err}"
    return ProbeResult(ok, message, time.time(), time.monotonic() - started)


def _unverified_tls() -> ssl.SSLContext:
    # The kubelet does not verify a probe's certificate either: the target is the container itself.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def _http_get(action: HttpGetAction) -> tuple[bool, str]:
    tls = _unverified_tls() if action.scheme.upper() == "HTTPS" else None
    reader, writer = await asyncio.open_connection(action.host, action.port, ssl=tls)
    try:
        conn = h11.Connection(h11.CLIENT)
        given = {name.lower() for name, _ in action.headers}
        headers = [(name, value) for name, value in action.headers]
        if "host" not in given:
            headers.append(("host", f"{action.host}:{action.port}"))
        if "user-agent" not in given:
            headers.append(("user-agent", "kube-probe/seaway"))
        headers.append(("connection", "close"))
        writer.write(conn.send(h11.Request(method="GET", target=action.path, headers=headers)))
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await reader.read(65536))
            elif isinstance(event, h11.Response):
                ok = 200 <= event.status_code < 400
                return ok, f"HTTP {event.status_code}"
            elif not isinstance(event, h11.InformationalResponse):
                return False, "connection closed before a response"
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def _tcp_connect(action: TcpSocketAction) -> tuple[bool, str]:
    _, writer = await asyncio.open_connection(action.host, action.port)
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True, f"connected to {action.host}:{action.port}"


async def _exec(
    action: ExecAction, env: Mapping[str, str] | None, cwd: str | None
) -> tuple[bool, str]:
    try:
        process = await asyncio.create_subprocess_exec(
            *action.command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    except OSError as err:
        return False, f"cannot run {action.command[0]!r}: {err}"
    try:
        code = await process.wait()
    finally:
        if process.returncode is None:
            # Timed out: the probe command and anything it started go, as the kubelet does.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            await asyncio.shield(process.wait())
    return code == 0, f"exit code {code}"
