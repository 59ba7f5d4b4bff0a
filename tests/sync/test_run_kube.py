"""The sync runner against the real API server: waves wait for health, hooks run as Jobs and
are cleaned up by their delete policy, prune deletes, a failing hook fails the sync and runs the
SyncFail hook, and a sync resumes at the first step not done."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from seaway.cluster.kubernetes import KubernetesBackend
from seaway.health import assess
from seaway.model.keys import ResourceKey
from seaway.model.status import OperationPhase
from seaway.sync.plan import PlanOptions, ResourceState, plan_sync
from seaway.sync.run import HookPhase, ResultStatus, Runner, SyncProgress
from tests.conftest import Kube

pytestmark = [pytest.mark.kube, pytest.mark.anyio]


@pytest.fixture
async def backend(kube: Kube) -> AsyncIterator[KubernetesBackend]:
    b = KubernetesBackend.from_kubeconfig(kube.kubeconfig)
    try:
        yield b
    finally:
        await b.close()


@pytest.fixture
async def ns(backend: KubernetesBackend) -> AsyncIterator[str]:
    name = f"run-{uuid.uuid4().hex[:8]}"
    await backend.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    try:
        yield name
    finally:
        await backend.delete("v1", "Namespace", name, None)


def deployment(ns: str, name: str, wave: int = 0) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": ns,
            "annotations": {"argocd.argoproj.io/sync-wave": str(wave)},
        },
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "example/app:1"}]},
            },
        },
    }


def job_hook(
    ns: str, name: str, phase: str, policy: str = "", fail: bool = False
) -> dict[str, Any]:
    notes = {"argocd.argoproj.io/hook": phase}
    if policy:
        notes["argocd.argoproj.io/hook-delete-policy"] = policy
    template: dict[str, Any] = {
        "metadata": {"annotations": {}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]},
    }
    spec: dict[str, Any] = {"backoffLimit": 0, "template": template}
    if fail:
        # KWOK completes a Job's pods at once; a pod that no node accepts stays Pending, and the
        # active deadline then fails the Job for certain, as a failing test would.
        template["spec"]["nodeSelector"] = {"seaway.test/no-such-node": "true"}
        spec["activeDeadlineSeconds"] = 1
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": ns, "annotations": notes},
        "spec": spec,
    }


def states(*objs: dict[str, Any]) -> list[ResourceState]:
    return [ResourceState(ResourceKey.from_object(o), o, None, True) for o in objs]


async def test_waves_hooks_and_prune_on_a_real_cluster(backend: KubernetesBackend, ns: str) -> None:
    saved: list[dict[str, Any]] = []

    async def save(progress: SyncProgress) -> None:
        saved.append(progress.to_dict())

    runner = Runner(backend, assess, save, step_timeout=60, poll_interval=0.2)
    stale = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "stale", "namespace": ns},
    }
    await backend.apply(stale)
    resources = [
        *states(deployment(ns, "db", wave=-1), deployment(ns, "web", wave=1)),
        ResourceState(ResourceKey.from_object(stale), None, stale, True),
    ]
    hooks = [
        job_hook(ns, "migrate", "PreSync", "HookSucceeded"),
        job_hook(ns, "smoke", "PostSync"),
    ]
    plan = plan_sync(resources, hooks, PlanOptions(prune=True))
    progress = await runner.run(plan, SyncProgress(revision="abc123"))

    assert progress.phase is OperationPhase.SUCCEEDED, progress.message
    by_name = {r.key.name: r for r in progress.results}
    assert by_name["migrate"].hook_phase is HookPhase.SUCCEEDED
    assert by_name["smoke"].hook_phase is HookPhase.SUCCEEDED
    assert by_name["stale"].status is ResultStatus.PRUNED
    assert by_name["db"].status is ResultStatus.SYNCED
    # HookSucceeded deleted the migrate Job; smoke has the default policy and stays.
    assert await backend.get("batch/v1", "Job", "migrate", ns) is None
    assert await backend.get("batch/v1", "Job", "smoke", ns) is not None
    assert await backend.get("v1", "ConfigMap", "stale", ns) is None
    web = await backend.get("apps/v1", "Deployment", "web", ns)
    assert web is not None
    assert web["status"].get("readyReplicas") == 1
    # Steps were saved in order as they finished.
    assert saved[-1]["doneSteps"] == ["PreSync/0", "Sync/-1", "Sync/0", "Sync/1", "PostSync/0"]


async def test_resume_skips_steps_already_done(backend: KubernetesBackend, ns: str) -> None:
    async def save(progress: SyncProgress) -> None:
        return None

    runner = Runner(backend, assess, save, step_timeout=60, poll_interval=0.2)
    plan = plan_sync(
        states(deployment(ns, "web")), [job_hook(ns, "migrate", "PreSync", "HookSucceeded")]
    )
    # A controller died after the PreSync step: the hook must not run again.
    progress = SyncProgress(revision="r1", done_steps=[("PreSync", 0)])
    restored = SyncProgress.from_dict(progress.to_dict())
    done = await runner.run(plan, restored)
    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert [r.key.name for r in done.results] == ["web"]
    assert await backend.get("batch/v1", "Job", "migrate", ns) is None


async def test_failing_hook_fails_the_sync_and_runs_syncfail(
    backend: KubernetesBackend, ns: str
) -> None:
    async def save(progress: SyncProgress) -> None:
        return None

    runner = Runner(backend, assess, save, step_timeout=60, poll_interval=0.2)
    plan = plan_sync(
        states(deployment(ns, "web")),
        [
            job_hook(ns, "check", "PreSync", fail=True),
            job_hook(ns, "notify", "SyncFail"),
        ],
    )
    done = await runner.run(plan, SyncProgress(revision="r2"))
    assert done.phase is OperationPhase.FAILED
    assert f"hook batch/Job/{ns}/check failed" in done.message
    by_name = {r.key.name: r for r in done.results}
    assert by_name["check"].hook_phase is HookPhase.FAILED
    assert by_name["notify"].hook_phase is HookPhase.SUCCEEDED
    # The Sync step never ran: web was not created.
    assert "web" not in by_name
    assert await backend.get("apps/v1", "Deployment", "web", ns) is None
