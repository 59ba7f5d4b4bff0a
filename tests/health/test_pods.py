"""Pods: phases, restart policy, containers stuck on errors, readiness, pods of Jobs."""

from __future__ import annotations

from typing import Any

import pytest

from seaway.health import assess
from seaway.model.status import HealthStatus
from tests.health.shapes import POD, condition, container_status, vary

H, P, D, U = (
    HealthStatus.HEALTHY,
    HealthStatus.PROGRESSING,
    HealthStatus.DEGRADED,
    HealthStatus.UNKNOWN,
)

NOT_READY = [condition("Ready", "False", "ContainersNotReady"), condition("PodScheduled", "True")]


def waiting(reason: str, message: str = "", name: str = "web") -> dict[str, Any]:
    state = {"waiting": {"reason": reason, **({"message": message} if message else {})}}
    return container_status(name, state=state)


def terminated(reason: str, code: int, message: str = "", name: str = "web") -> dict[str, Any]:
    term: dict[str, Any] = {"reason": reason, "exitCode": code, "startedAt": "2025-03-01T10:00:03Z"}
    if message:
        term["message"] = message
    return container_status(name, state={"terminated": term})


JOB_OWNER = {
    "ownerReferences": [
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "name": "migrate",
            "uid": "9b1f",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
}

CASES: list[tuple[str, dict[str, Any], HealthStatus, str]] = [
    ("running and ready", {}, H, ""),
    (
        "pending, unschedulable",
        {
            "status": {
                "phase": "Pending",
                "conditions": [
                    condition("PodScheduled", "False", "Unschedulable", "0/3 nodes are available")
                ],
                "containerStatuses": [],
            }
        },
        P,
        "Pod is pending",
    ),
    ("no phase yet", {"status": {"phase": "", "conditions": [], "containerStatuses": []}}, P, ""),
    (
        "crash loop",
        {
            "status": {
                "conditions": NOT_READY,
                "containerStatuses": [
                    waiting("CrashLoopBackOff", "back-off 40s restarting failed container")
                ],
            }
        },
        D,
        "container 'web': CrashLoopBackOff: back-off 40s",
    ),
    (
        "image pull back-off while pending",
        {
            "status": {
                "phase": "Pending",
                "conditions": NOT_READY,
                "containerStatuses": [waiting("ImagePullBackOff", 'Back-off pulling "x:9"')],
            }
        },
        D,
        "ImagePullBackOff",
    ),
    (
        "err image pull",
        {"status": {"phase": "Pending", "containerStatuses": [waiting("ErrImagePull")]}},
        D,
        "ErrImagePull",
    ),
    (
        "bad config",
        {
            "status": {
                "phase": "Pending",
                "containerStatuses": [waiting("CreateContainerConfigError")],
            }
        },
        D,
        "CreateContainerConfigError",
    ),
    (
        "init container crash loop",
        {
            "status": {
                "phase": "Pending",
                "initContainerStatuses": [waiting("CrashLoopBackOff", name="init-db")],
                "containerStatuses": [waiting("PodInitializing")],
            }
        },
        D,
        "'init-db'",
    ),
    (
        "container creating is not an error",
        {"status": {"phase": "Pending", "containerStatuses": [waiting("ContainerCreating")]}},
        P,
        "",
    ),
    (
        "running, not ready yet",
        {"status": {"conditions": NOT_READY, "containerStatuses": [container_status()]}},
        P,
        "Waiting for the pod to be ready",
    ),
    (
        "running, not ready after a restart",
        {
            "status": {
                "conditions": NOT_READY,
                "containerStatuses": [
                    container_status(
                        restartCount=1,
                        lastState={"terminated": {"exitCode": 137, "reason": "Error"}},
                    )
                ],
            }
        },
        D,
        "restarted",
    ),
    ("succeeded", {"spec": {"restartPolicy": "Never"}, "status": {"phase": "Succeeded"}}, H, ""),
    (
        "failed with a pod message",
        {
            "status": {
                "phase": "Failed",
                "reason": "Evicted",
                "message": "The node was low on resource: memory.",
            }
        },
        D,
        "low on resource",
    ),
    (
        "failed, container message",
        {
            "spec": {"restartPolicy": "Never"},
            "status": {
                "phase": "Failed",
                "containerStatuses": [terminated("Error", 1, "migration 42 failed")],
            },
        },
        D,
        "migration 42 failed",
    ),
    (
        "failed, OOMKilled",
        {
            "spec": {"restartPolicy": "Never"},
            "status": {"phase": "Failed", "containerStatuses": [terminated("OOMKilled", 137)]},
        },
        D,
        "OOMKilled",
    ),
    (
        "failed, exit code",
        {
            "spec": {"restartPolicy": "Never"},
            "status": {"phase": "Failed", "containerStatuses": [terminated("Error", 3)]},
        },
        D,
        "exit code 3",
    ),
    (
        "hook pod running",
        {"spec": {"restartPolicy": "Never"}},
        P,
        "running to completion",
    ),
    (
        "pod of a Job running",
        {"metadata": JOB_OWNER, "spec": {"restartPolicy": "OnFailure"}},
        P,
        "Pod of Job 'migrate' is running",
    ),
    (
        "pod of a Job backing off is left to the Job",
        {
            "metadata": JOB_OWNER,
            "spec": {"restartPolicy": "OnFailure"},
            "status": {"conditions": NOT_READY, "containerStatuses": [waiting("CrashLoopBackOff")]},
        },
        P,
        "Pod of Job",
    ),
    (
        "pod of a Job that failed",
        {
            "metadata": JOB_OWNER,
            "spec": {"restartPolicy": "Never"},
            "status": {"phase": "Failed", "containerStatuses": [terminated("Error", 2)]},
        },
        D,
        "exit code 2",
    ),
    (
        "pod of a Job that succeeded",
        {
            "metadata": JOB_OWNER,
            "spec": {"restartPolicy": "Never"},
            "status": {"phase": "Succeeded"},
        },
        H,
        "",
    ),
    (
        "operator pod with Never that runs forever",
        {
            "metadata": {"annotations": {"argocd.argoproj.io/ignore-restart-policy": "true"}},
            "spec": {"restartPolicy": "Never"},
        },
        H,
        "",
    ),
    (
        "operator pod with Never, not ready",
        {
            "metadata": {"annotations": {"argocd.argoproj.io/ignore-restart-policy": "true"}},
            "spec": {"restartPolicy": "Never"},
            "status": {"conditions": NOT_READY, "containerStatuses": [container_status()]},
        },
        P,
        "ready",
    ),
    ("node lost", {"status": {"phase": "Unknown"}}, U, "Pod phase is Unknown"),
    (
        "no restartPolicy means Always",
        {
            "spec": {"restartPolicy": None},
            "status": {"containerStatuses": [waiting("ErrImagePull")]},
        },
        D,
        "ErrImagePull",
    ),
]


@pytest.mark.parametrize(
    ("patch", "status", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_pod_health(patch: dict[str, Any], status: HealthStatus, message: str) -> None:
    result = assess(vary(POD, patch))
    assert result is not None
    assert result.status is status, result.message
    assert message in result.message
