"""Argo Rollouts' job metric: a Kubernetes Job whose success or failure is the measurement.

The provider only defines the interface: a `JobRunner` creates the Job, waits for it and says
whether it succeeded. The controller gives the Kubernetes rollout driver one per namespace
(`seaway.controller.analysis_jobs`); without a runner (the local backend, where a `command`
metric does this job) a job metric's measurements are Errors that say so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from seaway.model.analysis import JobMetric, Metric
from seaway.rollout.analysis.conditions import Phase
from seaway.rollout.analysis.providers.base import MeasurementError, Observation


@dataclass(frozen=True)
class JobOutcome:
    succeeded: bool
    message: str = ""


# Runs the Job for the named metric to completion; raises on trouble running it (an Error
# measurement), returns whether the Job succeeded. Cancellation must delete the Job.
JobRunner = Callable[[str, JobMetric], Awaitable[JobOutcome]]


class JobProvider:
    def __init__(self, runner: JobRunner | None = None) -> None:
        self.runner = runner

    def begin(self, metric: Metric) -> None:
        pass

    async def measure(self, metric: Metric) -> Observation:
        spec = metric.provider.job
        if spec is None:
            raise MeasurementError(f"metric {metric.name!r} has no job provider")
        if self.runner is None:
            raise MeasurementError(
                "job metrics need a Kubernetes cluster backend, which this analysis was not given"
            )
        try:
            outcome = await self.runner(metric.name, spec)
        except MeasurementError:
            raise
        # Whatever the runner runs into is an Error measurement, retried, never a crash.
        except Exception as error:
            raise MeasurementError(f"running the job failed: {error}") from None
        phase = Phase.SUCCESSFUL if outcome.succeeded else Phase.FAILED
        return Observation(
            outcome.succeeded, str(outcome.succeeded).lower(), phase, outcome.message
        )
