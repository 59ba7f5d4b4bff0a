"""Job metrics of an analysis on the real API server: the controller's job runner creates the
Job in the Rollout's namespace and the measurement is its outcome.

KWOK runs no containers: it marks a scheduled Pod Succeeded, so a schedulable Job completes;
a failing Job is one whose Pod can never be scheduled (a node selector no node has) and whose
activeDeadlineSeconds then fails it, which the real Job controller decides. The test writes no
Job status itself.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from seaway.cluster.kubernetes import KubeRest
from seaway.controller.analysis_jobs import job_runner
from seaway.model.analysis import AnalysisRunSpec
from seaway.rollout.analysis import AnalysisRunner, Phase
from seaway.rollout.analysis.providers import JobProvider, Providers
from tests.conftest import Kube

pytestmark = [pytest.mark.kube, pytest.mark.anyio]


def _spec(unschedulable: bool) -> AnalysisRunSpec:
    pod: dict[str, Any] = {
        "restartPolicy": "Never",
        "containers": [{"name": "e2e", "image": "registry.example/e2e:1", "command": ["e2e"]}],
    }
    job: dict[str, Any] = {"backoffLimit": 0, "template": {"spec": pod}}
    if unschedulable:
        pod["nodeSelector"] = {"seaway.test/none": "nowhere"}
        job["activeDeadlineSeconds"] = 2
    return AnalysisRunSpec.model_validate(
        {"metrics": [{"name": "Integration_Tests", "provider": {"job": {"spec": job}}}]}
    )


@pytest.fixture
async def cluster(kube: Kube) -> AsyncIterator[tuple[KubeRest, str]]:
    namespace = f"jobs-{uuid.uuid4().hex[:6]}"
    async with KubeRest.from_kubeconfig(kube.kubeconfig) as rest:
        await rest.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        yield rest, namespace
        await rest.delete("v1", "Namespace", namespace)


async def _run(rest: KubeRest, namespace: str, unschedulable: bool) -> Any:
    providers = Providers(job=JobProvider(job_runner(rest, namespace, timeout=60)))
    return await asyncio.wait_for(AnalysisRunner(_spec(unschedulable), providers).run(), 90)


async def test_a_job_that_completes_is_a_successful_measurement(
    cluster: tuple[KubeRest, str],
) -> None:
    rest, namespace = cluster
    state = await _run(rest, namespace, unschedulable=False)
    assert state.phase is Phase.SUCCESSFUL, state.message
    jobs = await rest.list("batch/v1", "Job", namespace)
    # The metric's name made a valid Job name, in the Rollout's namespace.
    assert [j["metadata"]["name"].rsplit("-", 1)[0] for j in jobs] == ["integration-tests"]
    assert "completed" in state.result("Integration_Tests").measurements[-1].message


async def test_a_job_that_fails_fails_the_run(cluster: tuple[KubeRest, str]) -> None:
    rest, namespace = cluster
    state = await _run(rest, namespace, unschedulable=True)
    assert state.phase is Phase.FAILED
    assert "failed" in state.result("Integration_Tests").measurements[-1].message


async def test_a_run_stopped_midway_deletes_its_job(cluster: tuple[KubeRest, str]) -> None:
    rest, namespace = cluster
    run = job_runner(rest, namespace, timeout=60)
    spec = _spec(unschedulable=True).metrics[0].provider.job
    assert spec is not None
    task = asyncio.create_task(run("slow", spec))

    async def created() -> list[dict[str, Any]]:
        for _ in range(100):
            jobs = await rest.list("batch/v1", "Job", namespace)
            if jobs:
                return jobs
            await asyncio.sleep(0.1)
        raise AssertionError("the Job was never created")

    await created()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    remaining = [
        j
        for j in await rest.list("batch/v1", "Job", namespace)
        if not (j.get("metadata") or {}).get("deletionTimestamp")
    ]
    assert remaining == []
