"""Seaway's command metric: a process on this host, the local backend's job.

Exit status 0 is a Successful measurement, any other a Failed one, as a Job's success or
failure is for Argo Rollouts. A process that outlives timeoutSeconds is killed and Failed; one
that cannot be started is an Error (retried).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

from seaway.model.analysis import Metric
from seaway.rollout.analysis.conditions import Phase
from seaway.rollout.analysis.providers.base import MeasurementError, Observation

# Enough of the output to say why a check failed, without keeping a chatty process' log.
_OUTPUT_TAIL = 2000


class CommandProvider:
    def __init__(self, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.cwd = cwd
        self.env = env

    def begin(self, metric: Metric) -> None:
        pass

    async def measure(self, metric: Metric) -> Observation:
        spec = metric.provider.command
        if spec is None:
            raise MeasurementError(f"metric {metric.name!r} has no command provider")
        try:
            process = await asyncio.create_subprocess_exec(
                *spec.command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                cwd=self.cwd,
                env=None if self.env is None else {**os.environ, **self.env},
                start_new_session=True,
            )
        except OSError as error:
            raise MeasurementError(f"cannot start {spec.command[0]}: {error}") from None
        try:
            output, _ = await asyncio.wait_for(process.communicate(), spec.timeout_seconds)
        except TimeoutError:
            await _kill(process)
            return Observation(
                None, "", Phase.FAILED, f"{spec.command[0]} timed out after {spec.timeout_seconds}s"
            )
        except asyncio.CancelledError:
            await _kill(process)
            raise
        code = process.returncode
        tail = output.decode(errors="replace")[-_OUTPUT_TAIL:].strip()
        phase = Phase.SUCCESSFUL if code == 0 else Phase.FAILED
        message = f"exit status {code}" + (f": {tail}" if tail else "")
        return Observation(code, str(code), phase, message)


async def _kill(process: asyncio.subprocess.Process) -> None:
    # The whole session, so that children of a shell script go too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, 9)
    await process.wait()
