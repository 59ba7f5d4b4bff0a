"""What every metric provider gives the runner, and the interface it implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from seaway.model.analysis import Metric
from seaway.rollout.analysis.conditions import Phase


class MeasurementError(Exception):
    """A measurement that could not be taken (no answer, a bad answer): an Error measurement,
    retried by the runner, never a failed one."""


@dataclass(frozen=True)
class Observation:
    """One measurement's outcome before the runner stamps its times.

    `value` is what conditions see as `result`; `text` is the value as recorded. Providers that
    judge for themselves (sanity, command, job) set `phase`; the others leave it None and the
    metric's conditions decide.
    """

    value: Any
    text: str
    phase: Phase | None = None
    message: str = ""


class Provider(Protocol):
    def begin(self, metric: Metric) -> None:
        """Called once when the run starts, before any measurement of `metric`."""

    async def measure(self, metric: Metric) -> Observation:
        """Take one measurement; raise MeasurementError when it cannot be taken.

        Cancellation must leave nothing behind (no process, no open connection).
        """
        ...
