"""One supervised replica: its process, its probes, restarts with backoff, graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from seaway.cluster.local import logs
from seaway.cluster.local.probes import ProbeKind, ProbeResult, ProbeSpec, Thresholds, run_probe
from seaway.cluster.local.process import (
    AdoptedProcess,
    ChildProcess,
    ProcessHandle,
    ProcessIdentity,
    find_running,
    identify,
    signal_group,
)
from seaway.cluster.local.spec import PortMapping, ReplicaSpec

log = logging.getLogger(__name__)

# After SIGKILL a process ends unless it hangs in the kernel (state D); then it is reported, not
# waited for forever.
_KILL_WAIT = 10.0


class ReplicaState(StrEnum):
    # Process started; the startup probe (if any) has not passed yet.
    STARTING = "Starting"
    # Started; the readiness probe has not reached a verdict yet.
    RUNNING = "Running"
    READY = "Ready"
    NOT_READY = "NotReady"
    TERMINATING = "Terminating"
    # No process: crashed and waiting for its restart, or stopped.
    EXITED = "Exited"


@dataclass(frozen=True)
class Backoff:
    """Restart delays: base, 2*base, 4*base, ... up to cap; back to base once a process ran for
    reset_after seconds (the kubelet's CrashLoopBackOff, with shorter defaults)."""

    base: float = 1.0
    cap: float = 10.0
    reset_after: float = 60.0

    def delay(self, crashes: int) -> float:
        return float(min(self.cap, self.base * 2 ** max(0, crashes - 1)))


@dataclass(frozen=True)
class ReplicaStatus:
    name: str
    state: ReplicaState
    restart_count: int = 0
    pid: int | None = None
    # For the state store: what `Replica.start(adopt=...)` needs after a Seaway restart.
    identity: ProcessIdentity | None = None
    # Of the last process that ended: 128+N when signal N ended it; None if unknown (adopted).
    exit_code: int | None = None
    message: str = ""
    host_ports: tuple[PortMapping, ...] = ()
    probes: Mapping[ProbeKind, ProbeResult] = field(default_factory=lambda: MappingProxyType({}))
    # Wall-clock start of the current process.
    started_at: float | None = None
    adopted: bool = False

    @property
    def ready(self) -> bool:
        return self.state is ReplicaState.READY


class Replica:
    """Runs `spec` as a process of its own group with output in `log_path`, probes it, restarts
    it when it ends or fails its liveness probe, until `stop()`. Status changes are pushed to
    listeners and awaited with `wait_until`."""

    def __init__(
        self,
        spec: ReplicaSpec,
        *,
        log_dir: Path,
        backoff: Backoff | None = None,
        log_max_bytes: int = 10 * 1024 * 1024,
        log_check_interval: float = 1.0,
    ) -> None:
        self.spec = spec
        self.log_path = log_dir / f"{spec.namespace}_{spec.name}_{spec.container}.log"
        self._backoff = backoff or Backoff()
        self._log_max_bytes = log_max_bytes
        self._log_check_interval = log_check_interval
        self._status = ReplicaStatus(spec.name, ReplicaState.EXITED, host_ports=spec.ports)
        self._changed = asyncio.Event()
        self._listeners: list[Callable[[ReplicaStatus], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._log_task: asyncio.Task[None] | None = None
        self._stop_requested = asyncio.Event()
        self._stop_grace = spec.termination_grace_period

    @property
    def status(self) -> ReplicaStatus:
        return self._status

    def add_listener(self, listener: Callable[[ReplicaStatus], None]) -> None:
        """Call `listener` with every new status (e.g. to update the router's endpoints)."""
        self._listeners.append(listener)

    async def start(self, adopt: ProcessIdentity | None = None) -> None:
        """Start the process, or adopt `adopt` if that process still runs; returns once there is
        a process (or its start failed, which the status says and a restart retries)."""
        if self._task is not None:
            raise RuntimeError(f"replica {self.spec.name!r} was started already")
        first = asyncio.Event()
        self._task = asyncio.create_task(self._supervise(adopt, first))
        self._log_task = asyncio.create_task(self._cap_logs())
        started = asyncio.create_task(first.wait())
        await asyncio.wait({self._task, started}, return_when=asyncio.FIRST_COMPLETED)
        started.cancel()
        if self._task.done():
            self._task.result()

    async def stop(self, grace: float | None = None) -> None:
        """SIGTERM to the process group, SIGKILL after the grace period (the spec's
        terminationGracePeriodSeconds unless given); no restart after it."""
        if grace is not None:
            self._stop_grace = grace
        self._stop_requested.set()
        task, log_task = self._task, self._log_task
        if task is not None:
            await task
        if log_task is not None:
            log_task.cancel()
            # asyncio.wait, not `await log_task` in suppress(CancelledError): that would also
            # swallow a cancellation of the caller (e.g. the runtime loop being closed).
            await asyncio.wait({log_task})
        self._log_task = None

    async def wait_until(
        self, predicate: Callable[[ReplicaStatus], bool], timeout: float
    ) -> ReplicaStatus:
        """The first status for which `predicate` holds; TimeoutError after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while not predicate(self._status):
                await self._changed.wait()
        return self._status

    def _update(self, **changes: object) -> None:
        self._status = replace(self._status, **changes)  # type: ignore[arg-type]
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        for listener in self._listeners:
            try:
                listener(self._status)
            except Exception:
                log.exception("status listener of replica %s failed", self.spec.name)

    def _record_probe(self, kind: ProbeKind, result: ProbeResult) -> None:
        probes = dict(self._status.probes)
        probes[kind] = result
        self._update(probes=MappingProxyType(probes))

    async def _supervise(self, adopt: ProcessIdentity | None, first: asyncio.Event) -> None:
        crashes = 0
        handle: ProcessHandle | None = None
        if adopt is not None and find_running(adopt):
            handle = AdoptedProcess(adopt)
            log.info("replica %s: adopted running pid %d", self.spec.name, adopt.pid)
        while not self._stop_requested.is_set():
            if handle is None:
                handle = await self._spawn()
            first.set()
            ran_for = 0.0
            if handle is not None:
                ran_for = await self._watch(handle)
                handle = None
            if self._stop_requested.is_set():
                break
            crashes = 1 if ran_for >= self._backoff.reset_after else crashes + 1
            delay = self._backoff.delay(crashes)
            self._update(message=f"{self._status.message}; restarting in {delay:g}s".lstrip("; "))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._stop_requested.wait()
            if self._stop_requested.is_set():
                break
            self._update(restart_count=self._status.restart_count + 1)
        first.set()
        self._update(state=ReplicaState.EXITED, pid=None, identity=None)

    async def _spawn(self) -> ProcessHandle | None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        logs.cap(self.log_path, self._log_max_bytes)
        fd = logs.open_for_process(self.log_path)
        try:
            process = await asyncio.create_subprocess_exec(
                *self.spec.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=fd,
                stderr=asyncio.subprocess.STDOUT,
                env=dict(self.spec.env),
                cwd=self.spec.working_dir,
                # Its own session and process group: signals reach the program's children too,
                # and a Ctrl-C meant for Seaway does not reach the replicas.
                start_new_session=True,
            )
        except OSError as err:
            self._update(
                state=ReplicaState.EXITED,
                pid=None,
                identity=None,
                exit_code=None,
                message=f"cannot start {self.spec.argv[0]!r}: {err.strerror or err}",
            )
            return None
        finally:
            # The child has its own copy; ours would only keep the file open.
            os.close(fd)
        log.info("replica %s: started pid %d", self.spec.name, process.pid)
        return ChildProcess(process)

    async def _watch(self, handle: ProcessHandle) -> float:
        """Supervise one process until it has ended; how long it ran."""
        started = time.monotonic()
        self._update(
            state=ReplicaState.STARTING,
            pid=handle.pid,
            identity=identify(handle.pid),
            started_at=time.time(),
            message="",
            probes=MappingProxyType({}),
            adopted=isinstance(handle, AdoptedProcess),
        )
        exited = asyncio.create_task(handle.wait())
        probing = asyncio.create_task(self._probe(started))
        stopping = asyncio.create_task(self._stop_requested.wait())
        try:
            await asyncio.wait({exited, probing, stopping}, return_when=asyncio.FIRST_COMPLETED)
            for task in (probing, stopping):
                task.cancel()
            reason = ""
            if probing.done() and not probing.cancelled():
                reason = probing.result()
            await asyncio.gather(probing, stopping, return_exceptions=True)
            if not exited.done():
                grace = self._stop_grace
                if reason:
                    probe_grace = self._failed_probe_grace()
                    grace = (
                        self.spec.termination_grace_period if probe_grace is None else probe_grace
                    )
                    log.info("replica %s: %s", self.spec.name, reason)
                await self._terminate(handle, exited, grace, reason)
            code = exited.result() if exited.done() else None
        finally:
            if not exited.done():
                # Cancelled from outside: the process must not outlive its supervisor unseen.
                signal_group(handle.pid, signal.SIGKILL)
                await asyncio.wait({exited}, timeout=_KILL_WAIT)
            # Whatever the program left running in its group would hold its ports.
            signal_group(handle.pid, signal.SIGKILL)
        ran_for = time.monotonic() - started
        ended = f"exited with code {code}" if code is not None else "ended"
        message = f"{reason}; {ended}" if reason else ended
        self._update(
            state=ReplicaState.EXITED, pid=None, identity=None, exit_code=code, message=message
        )
        log.info("replica %s: %s after %.1fs", self.spec.name, message, ran_for)
        return ran_for

    def _failed_probe_grace(self) -> float | None:
        for probe in (self.spec.liveness_probe, self.spec.startup_probe):
            if probe is not None and probe.termination_grace_period is not None:
                return probe.termination_grace_period
        return None

    async def _terminate(
        self, handle: ProcessHandle, exited: asyncio.Task[int | None], grace: float, reason: str
    ) -> None:
        self._update(state=ReplicaState.TERMINATING, message=reason or "stopping")
        signal_group(handle.pid, signal.SIGTERM)
        done, _ = await asyncio.wait({exited}, timeout=grace)
        if done:
            return
        signal_group(handle.pid, signal.SIGKILL)
        done, _ = await asyncio.wait({exited}, timeout=_KILL_WAIT)
        if not done:
            log.error("replica %s: pid %d survives SIGKILL", self.spec.name, handle.pid)
            exited.cancel()

    async def _probe(self, started: float) -> str:
        """Run the probes of one process; returns only when the process must be restarted."""
        spec = self.spec
        if spec.startup_probe is not None:
            reason = await self._probe_loop(ProbeKind.STARTUP, spec.startup_probe, started)
            if reason:
                return reason
        self._update(state=ReplicaState.RUNNING if spec.readiness_probe else ReplicaState.READY)
        loops = [
            asyncio.create_task(self._probe_loop(kind, probe, started))
            for kind, probe in (
                (ProbeKind.READINESS, spec.readiness_probe),
                (ProbeKind.LIVENESS, spec.liveness_probe),
            )
            if probe is not None
        ]
        try:
            pending = set(loops)
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    reason = task.result()
                    if reason:
                        return reason
            await asyncio.Event().wait()
            raise AssertionError("unreachable")
        finally:
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)

    async def _probe_loop(self, kind: ProbeKind, probe: ProbeSpec, started: float) -> str:
        """Probe every period; the reason to restart (startup/liveness failure), or "" once a
        startup probe has passed. Readiness loops change the state and never return."""
        thresholds = Thresholds(probe.success_threshold, probe.failure_threshold)
        # initialDelaySeconds counts from the start of the process, not of this loop.
        await asyncio.sleep(max(0.0, probe.initial_delay - (time.monotonic() - started)))
        while True:
            began = time.monotonic()
            result = await run_probe(
                probe.action, probe.timeout, env=self.spec.env, cwd=self.spec.working_dir
            )
            self._record_probe(kind, result)
            verdict = thresholds.record(result.success)
            if kind is ProbeKind.STARTUP:
                if verdict is True:
                    return ""
                if verdict is False:
                    return f"startup probe failed: {result.message}"
            elif kind is ProbeKind.LIVENESS:
                if verdict is False:
                    return f"liveness probe failed: {result.message}"
            elif verdict is True and self._status.state is not ReplicaState.READY:
                self._update(state=ReplicaState.READY)
            elif verdict is False and self._status.state is not ReplicaState.NOT_READY:
                self._update(state=ReplicaState.NOT_READY, message=f"not ready: {result.message}")
            await asyncio.sleep(max(0.0, probe.period - (time.monotonic() - began)))

    async def _cap_logs(self) -> None:
        while True:
            await asyncio.sleep(self._log_check_interval)
            try:
                size = self.log_path.stat().st_size
            except FileNotFoundError:
                continue
            if size > self._log_max_bytes:
                await asyncio.to_thread(logs.cap, self.log_path, self._log_max_bytes)
