"""`worst` and `aggregate`: an application's health from its resources."""

from __future__ import annotations

from typing import Any

import pytest

from seaway.health import ORDER, HealthResult, aggregate, worst
from seaway.model.status import HealthStatus
from tests.health.shapes import DEPLOYMENT, POD, condition, meta, vary

H, P, D, S, M, U = (
    HealthStatus.HEALTHY,
    HealthStatus.PROGRESSING,
    HealthStatus.DEGRADED,
    HealthStatus.SUSPENDED,
    HealthStatus.MISSING,
    HealthStatus.UNKNOWN,
)


def test_order_is_argo_cds() -> None:
    assert ORDER == (H, S, P, M, D, U)
    assert set(ORDER) == set(HealthStatus)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], H),
        ([H], H),
        ([H, S], S),
        ([S, P, H], P),
        ([P, M], M),
        ([M, D], D),
        ([D, M, P, S, H], D),
        ([D, U], U),
        ([U, H], U),
    ],
)
def test_worst(statuses: list[HealthStatus], expected: HealthStatus) -> None:
    assert worst(statuses) is expected
    assert worst(reversed(statuses)) is expected
    assert worst(iter(statuses)) is expected


CONFIG_MAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("conf"), "data": {}}
ROLLING = vary(DEPLOYMENT, {"status": {"updatedReplicas": 1}})
CRASHING = vary(
    POD,
    {
        "status": {
            "containerStatuses": [
                {
                    "name": "web",
                    "ready": False,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                }
            ]
        }
    },
)
SUSPENDED_JOB = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": meta("later"),
    "spec": {"suspend": True},
    "status": {"conditions": [condition("Suspended", "True", "JobSuspended")]},
}


def child_app(health: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": meta("child", namespace="argocd"),
        "status": {"health": {"status": health}},
    }


Pair = tuple[dict[str, Any] | None, dict[str, Any] | None]


def live(obj: dict[str, Any]) -> Pair:
    return (obj, obj)


def gone(obj: dict[str, Any]) -> Pair:
    return (obj, None)


CASES: list[tuple[str, list[Pair], HealthStatus, str]] = [
    ("empty app", [], H, ""),
    ("all healthy", [live(DEPLOYMENT), live(CONFIG_MAP)], H, ""),
    ("only kinds without health", [live(CONFIG_MAP)], H, ""),
    (
        "a rollout in flight",
        [live(DEPLOYMENT), live(vary(ROLLING, {"metadata": {"name": "api"}}))],
        P,
        "Deployment shop/api: Waiting for rollout to finish: 1 of 3",
    ),
    (
        "degraded beats progressing",
        [live(ROLLING), live(CRASHING)],
        D,
        "Pod shop/web-5d8f7b9c4-x2x7k: container 'web': CrashLoopBackOff",
    ),
    (
        "several culprits are counted",
        [
            live(ROLLING),
            live(vary(ROLLING, {"metadata": {"name": "b"}})),
            live(vary(ROLLING, {"metadata": {"name": "c"}})),
        ],
        P,
        "(and 2 more)",
    ),
    (
        "missing kind with a check counts",
        [live(DEPLOYMENT), gone(vary(DEPLOYMENT, {"metadata": {"name": "worker"}}))],
        M,
        "Deployment shop/worker: Resource does not exist",
    ),
    ("missing ConfigMap does not count", [live(DEPLOYMENT), gone(CONFIG_MAP)], H, ""),
    (
        "degraded beats missing",
        [live(CRASHING), gone(vary(DEPLOYMENT, {"metadata": {"name": "worker"}}))],
        D,
        "CrashLoopBackOff",
    ),
    (
        "everything missing, even kinds without health",
        [gone(CONFIG_MAP), gone(DEPLOYMENT)],
        M,
        "None of the 2 resources exists",
    ),
    ("only a missing ConfigMap", [gone(CONFIG_MAP)], M, "None of the 1 resources exists"),
    ("a suspended Job counts as healthy", [live(DEPLOYMENT), live(SUSPENDED_JOB)], H, ""),
    (
        "a paused Deployment suspends the app",
        [live(vary(DEPLOYMENT, {"spec": {"paused": True}}))],
        S,
        "Deployment is paused",
    ),
    ("missing child app is ignored", [live(DEPLOYMENT), live(child_app("Missing"))], H, ""),
    ("unknown child app is ignored", [live(DEPLOYMENT), live(child_app("Unknown"))], H, ""),
    ("degraded child app counts", [live(DEPLOYMENT), live(child_app("Degraded"))], D, "child"),
    (
        "a pruned resource (live, not desired) still counts",
        [(None, CRASHING)],
        D,
        "CrashLoopBackOff",
    ),
    ("a pair of nothing is skipped", [(None, None), live(DEPLOYMENT)], H, ""),
]


@pytest.mark.parametrize(
    ("pairs", "status", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_aggregate(pairs: list[Pair], status: HealthStatus, message: str) -> None:
    result = aggregate(pairs)
    assert result.status is status, result.message
    if message:
        assert message in result.message
    else:
        assert result.message == ""


def test_aggregate_takes_any_iterable_once() -> None:
    pairs = iter([live(ROLLING), live(DEPLOYMENT)])
    assert aggregate(pairs) == HealthResult(
        P,
        "Deployment shop/web: Waiting for rollout to finish: 1 of 3 new replicas have been updated",
    )


def test_aggregate_names_a_malformed_resource_without_raising() -> None:
    broken = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": "web"}
    result = aggregate([live(DEPLOYMENT), live(broken)])
    assert result.status is U
    assert result.message.startswith("Malformed object: Cannot judge health: field metadata")
