"""Processes of replicas: identifying them across a Seaway restart and waiting for their end.

A pid alone is no identity: after a reboot or enough process churn the same number belongs to
another program. A pid together with its start time (clock ticks since boot, from /proc) and its
command line is. Identities need /proc (Linux); elsewhere nothing is re-adopted and replicas
start anew.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

_PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessIdentity:
    pid: int
    start_ticks: int
    cmdline: tuple[str, ...]


def identify(pid: int) -> ProcessIdentity | None:
    """The identity of the live process `pid`, or None if there is none (or only its zombie)."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
        raw_cmdline = (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    if len(fields) < 20 or fields[0] in {"Z", "X"}:
        return None
    cmdline = tuple(part.decode(errors="surrogateescape") for part in raw_cmdline.split(b"\0")[:-1])
    return ProcessIdentity(pid, int(fields[19]), cmdline)


def find_running(recorded: ProcessIdentity) -> bool:
    """True if the process recorded earlier still runs, as the leader of its own process group
    (as replicas are started), so that it can be adopted instead of started twice."""
    if identify(recorded.pid) != recorded:
        return False
    try:
        return os.getpgid(recorded.pid) == recorded.pid
    except OSError:
        return False


def signal_group(pid: int, sig: signal.Signals) -> bool:
    """Signal a replica's whole process group; False if it has no member left."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        # Only a recycled group id of another user's processes gives EPERM: not ours to signal.
        return False
    return True


class ProcessHandle(Protocol):
    @property
    def pid(self) -> int: ...

    async def wait(self) -> int | None:
        """Wait for the end; the exit code as the kubelet reports it (128+N for signal N), or
        None if it cannot be known."""
        ...


def exit_code(returncode: int) -> int:
    # asyncio reports death by signal N as -N; Kubernetes (and shells) report 128+N.
    return 128 - returncode if returncode < 0 else returncode


class ChildProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    @property
    def pid(self) -> int:
        return self._process.pid

    async def wait(self) -> int | None:
        return exit_code(await self._process.wait())


class AdoptedProcess:
    """A replica process started by an earlier Seaway: not our child, so no exit code. Its end is
    seen through a pidfd where Linux has them, else by polling its identity."""

    def __init__(self, identity: ProcessIdentity, poll_interval: float = 0.5) -> None:
        self.identity = identity
        self._poll_interval = poll_interval

    @property
    def pid(self) -> int:
        return self.identity.pid

    async def wait(self) -> int | None:
        pidfd = None
        if hasattr(os, "pidfd_open"):
            with contextlib.suppress(OSError):
                pidfd = os.pidfd_open(self.pid)
        if pidfd is None or identify(self.pid) != self.identity:
            if pidfd is not None:
                os.close(pidfd)
            while identify(self.pid) == self.identity:
                await asyncio.sleep(self._poll_interval)
            return None
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[None] = loop.create_future()

        def readable() -> None:
            if not ended.done():
                ended.set_result(None)

        loop.add_reader(pidfd, readable)
        try:
            await ended
        finally:
            loop.remove_reader(pidfd)
            os.close(pidfd)
        return None
