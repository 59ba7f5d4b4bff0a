"""Job metrics of rollout analyses on Kubernetes: the analysis engine's `JobRunner`, carried
out by the integration-test gate's Job runner (`seaway.gates.jobrun`).

The rollout package may not import gates, so the controller joins them: a runner per Rollout
namespace, given to the rollout driver.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable

from seaway.gates.jobrun import JOB_API, JobCluster, job_to_run, run_job
from seaway.model.analysis import JobMetric
from seaway.rollout.analysis.providers import JobOutcome, JobRunner

# Argo Rollouts gives a Job metric no deadline of its own; the analysis' interval and count
# bound it in practice, so this only stops a Job that never ends from holding a run for ever.
DEFAULT_TIMEOUT = 3600.0

_NOT_DNS = re.compile(r"[^a-z0-9-]+")


def _job_name(metric: str, spec: JobMetric) -> str:
    given = str(spec.metadata.get("name") or spec.metadata.get("generateName") or "")
    name = _NOT_DNS.sub("-", (given or metric).lower()).strip("-")
    return name or "analysis"


def job_runner(cluster: JobCluster, namespace: str, timeout: float = DEFAULT_TIMEOUT) -> JobRunner:
    async def run(metric: str, spec: JobMetric) -> JobOutcome:
        manifest = {
            "apiVersion": JOB_API,
            "kind": "Job",
            "metadata": {**spec.metadata, "name": _job_name(metric, spec)},
            "spec": spec.spec,
        }
        job = job_to_run(manifest, f"job metric {metric!r}", namespace)
        try:
            record, why = await run_job(cluster, job, timeout)
        except asyncio.CancelledError:
            # A run that is no longer wanted (an abort, a promotion) takes its Job with it.
            meta = job["metadata"]
            with contextlib.suppress(Exception):
                await cluster.delete(
                    JOB_API, "Job", meta["name"], meta["namespace"], propagation="Background"
                )
            raise
        return JobOutcome(record.passed, why)

    return run


def job_runners(cluster: JobCluster) -> Callable[[str], JobRunner]:
    """A runner for each Rollout namespace: Jobs run beside the Rollout, as Argo's do."""

    def for_namespace(namespace: str) -> JobRunner:
        return job_runner(cluster, namespace)

    return for_namespace
