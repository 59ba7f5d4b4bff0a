"""Run an integration-test command as a gate: with a timeout, its output streamed and hashed.

The local form of `seaway gate test`: the command runs on this host in its own process group, so
a timeout stops it and everything it started. What is recorded is what a test-result attestation
carries: passed or not, how long it ran, whether the timeout stopped it, and the sha256 of its
combined output (the log stays with CI; the digest proves which log it was).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from seaway.gates.attest.predicates import TestResult

# How long a stopped command gets between SIGTERM and SIGKILL.
_GRACE = 5.0


@dataclass(frozen=True)
class TestRun:
    __test__ = False  # not a pytest test class, whatever its name

    command: tuple[str, ...]
    exit_code: int | None
    timed_out: bool
    duration: float
    output_digest: str

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def describe(self) -> str:
        if self.timed_out:
            return f"timed out after {self.duration:.1f} s"
        outcome = "passed" if self.passed else f"failed (exit code {self.exit_code})"
        return f"{outcome} in {self.duration:.1f} s"

    def predicate(self, suite: str, stage: str, commit: str = "") -> TestResult:
        return TestResult(
            suite=suite,
            passed=self.passed,
            failed=0 if self.passed else 1,
            command=" ".join(self.command),
            commit=commit,
            stage=stage,
            duration_seconds=round(self.duration, 3),
            timed_out=self.timed_out,
            output_digest=self.output_digest,
        )


def run_test_command(
    command: Sequence[str],
    timeout: float,
    *,
    echo: Callable[[bytes], None] | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> TestRun:
    """Raise OSError when the command cannot start (not found, not executable)."""
    started = time.monotonic()
    proc = subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        start_new_session=True,
    )
    digest = hashlib.sha256()
    stream = proc.stdout
    if stream is None:
        raise OSError("the command's output could not be captured")
    reader = threading.Thread(target=_drain, args=(stream.fileno(), digest, echo), daemon=True)
    reader.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _stop(proc)
    # A child that left the process group may hold the pipe open: its output is not waited for.
    reader.join(timeout=_GRACE)
    stream.close()
    return TestRun(
        command=tuple(command),
        exit_code=None if timed_out else proc.returncode,
        timed_out=timed_out,
        duration=time.monotonic() - started,
        output_digest=f"sha256:{digest.hexdigest()}",
    )


def _drain(fd: int, digest: hashlib._Hash, echo: Callable[[bytes], None] | None) -> None:
    while chunk := os.read(fd, 65536):
        digest.update(chunk)
        if echo is not None:
            echo(chunk)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, _GRACE), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
