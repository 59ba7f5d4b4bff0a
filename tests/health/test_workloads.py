"""Deployment, StatefulSet, DaemonSet, ReplicaSet."""

from __future__ import annotations

from typing import Any

import pytest

from seaway.health import assess
from seaway.model.status import HealthStatus
from tests.health.shapes import (
    DAEMON_SET,
    DEPLOYMENT,
    DROP,
    REPLICA_SET,
    STATEFUL_SET,
    condition,
    vary,
)

H, P, D, S, U = (
    HealthStatus.HEALTHY,
    HealthStatus.PROGRESSING,
    HealthStatus.DEGRADED,
    HealthStatus.SUSPENDED,
    HealthStatus.UNKNOWN,
)

CASES: list[tuple[str, dict[str, Any], dict[str, Any], HealthStatus, str]] = [
    # Deployment
    ("deployment rolled out", DEPLOYMENT, {}, H, ""),
    (
        "deployment observedGeneration lags",
        DEPLOYMENT,
        {"metadata": {"generation": 3}},
        P,
        "not seen the newest spec",
    ),
    ("deployment without status", DEPLOYMENT, {"status": DROP}, P, "not seen the newest spec"),
    ("deployment paused", DEPLOYMENT, {"spec": {"paused": True}}, S, "paused"),
    (
        "paused wins over a generation lag",
        DEPLOYMENT,
        {"spec": {"paused": True}, "metadata": {"generation": 9}},
        S,
        "paused",
    ),
    (
        "deployment updating replicas",
        DEPLOYMENT,
        {"status": {"updatedReplicas": 1, "replicas": 4}},
        P,
        "1 of 3 new replicas",
    ),
    (
        "deployment old replicas terminating",
        DEPLOYMENT,
        {"status": {"replicas": 5}},
        P,
        "2 old replicas are pending termination",
    ),
    (
        "deployment new replicas not yet available",
        DEPLOYMENT,
        {"status": {"availableReplicas": 2}},
        P,
        "2 of 3 updated replicas available",
    ),
    (
        "deployment progress deadline exceeded",
        DEPLOYMENT,
        {
            "status": {
                "updatedReplicas": 1,
                "conditions": [
                    condition("Available", "False", "MinimumReplicasUnavailable"),
                    condition("Progressing", "False", "ProgressDeadlineExceeded"),
                ],
            }
        },
        D,
        "exceeded its progress deadline",
    ),
    (
        "deadline seen only once the controller saw the newest spec",
        DEPLOYMENT,
        {
            "metadata": {"generation": 3},
            "status": {
                "conditions": [condition("Progressing", "False", "ProgressDeadlineExceeded")]
            },
        },
        P,
        "not seen the newest spec",
    ),
    (
        "deployment scaled to zero",
        DEPLOYMENT,
        {
            "spec": {"replicas": 0},
            "status": {
                "replicas": DROP,
                "updatedReplicas": DROP,
                "readyReplicas": DROP,
                "availableReplicas": DROP,
            },
        },
        H,
        "",
    ),
    (
        "deployment without spec.replicas means one",
        DEPLOYMENT,
        {"spec": {"replicas": DROP}, "status": {"updatedReplicas": 0, "replicas": 0}},
        P,
        "0 of 1 new replicas",
    ),
    (
        "deployment with a malformed count",
        DEPLOYMENT,
        {"status": {"updatedReplicas": "3"}},
        U,
        "status.updatedReplicas",
    ),
    # StatefulSet
    ("statefulset rolled out", STATEFUL_SET, {}, H, "3 pods at revision db-7d9f8c"),
    (
        "statefulset never observed",
        STATEFUL_SET,
        {"status": {"observedGeneration": DROP}},
        P,
        "newest StatefulSet spec",
    ),
    (
        "statefulset generation lags",
        STATEFUL_SET,
        {"metadata": {"generation": 4}},
        P,
        "newest StatefulSet spec",
    ),
    ("statefulset pods not ready", STATEFUL_SET, {"status": {"readyReplicas": 1}}, P, "2 pods"),
    (
        "statefulset rolling update in flight",
        STATEFUL_SET,
        {"status": {"updatedReplicas": 1, "updateRevision": "db-55aa11"}},
        P,
        "1 of 3 new pods",
    ),
    (
        "statefulset all updated, revision not yet promoted",
        STATEFUL_SET,
        {"status": {"updateRevision": "db-55aa11"}},
        P,
        "revision db-55aa11",
    ),
    (
        "statefulset partition reached",
        STATEFUL_SET,
        {
            "spec": {"updateStrategy": {"rollingUpdate": {"partition": 2}}},
            "status": {"updatedReplicas": 1, "updateRevision": "db-55aa11"},
        },
        H,
        "Partitioned rollout complete",
    ),
    (
        "statefulset partition not reached",
        STATEFUL_SET,
        {
            "spec": {"updateStrategy": {"rollingUpdate": {"partition": 1}}},
            "status": {"updatedReplicas": 1, "updateRevision": "db-55aa11"},
        },
        P,
        "1 of 2 new pods",
    ),
    (
        "statefulset partition above replicas",
        STATEFUL_SET,
        {
            "spec": {"updateStrategy": {"rollingUpdate": {"partition": 5}}},
            "status": {"updatedReplicas": 0, "updateRevision": "db-55aa11"},
        },
        H,
        "Partitioned rollout complete",
    ),
    (
        "statefulset OnDelete waits for nobody",
        STATEFUL_SET,
        {
            "spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": DROP}},
            "status": {"updatedReplicas": 0, "updateRevision": "db-55aa11"},
        },
        H,
        "OnDelete",
    ),
    (
        "statefulset scaled to zero",
        STATEFUL_SET,
        {
            "spec": {"replicas": 0},
            "status": {"replicas": 0, "readyReplicas": DROP, "updatedReplicas": DROP},
        },
        H,
        "",
    ),
    # DaemonSet
    ("daemonset rolled out", DAEMON_SET, {}, H, ""),
    ("daemonset generation lags", DAEMON_SET, {"metadata": {"generation": 2}}, P, "newest"),
    (
        "daemonset updating",
        DAEMON_SET,
        {"status": {"updatedNumberScheduled": 2}},
        P,
        "2 of 4 new pods",
    ),
    (
        "daemonset updated pods not available",
        DAEMON_SET,
        {"status": {"numberAvailable": 3}},
        P,
        "3 of 4 updated pods",
    ),
    (
        "daemonset OnDelete",
        DAEMON_SET,
        {
            "spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": DROP}},
            "status": {"updatedNumberScheduled": 1},
        },
        H,
        "1 of 4 pods updated",
    ),
    (
        "daemonset on no nodes",
        DAEMON_SET,
        {
            "status": {
                "currentNumberScheduled": 0,
                "desiredNumberScheduled": 0,
                "numberReady": 0,
                "updatedNumberScheduled": DROP,
                "numberAvailable": DROP,
            }
        },
        H,
        "",
    ),
    # ReplicaSet
    ("replicaset available", REPLICA_SET, {}, H, ""),
    ("replicaset generation lags", REPLICA_SET, {"metadata": {"generation": 2}}, P, "newest"),
    ("replicaset short", REPLICA_SET, {"status": {"availableReplicas": 1}}, P, "1 of 2"),
    (
        "replicaset cannot create pods",
        REPLICA_SET,
        {
            "status": {
                "availableReplicas": 0,
                "conditions": [
                    condition(
                        "ReplicaFailure",
                        "True",
                        "FailedCreate",
                        'pods "web-5d8f7b9c4-" is forbidden: exceeded quota',
                    )
                ],
            }
        },
        D,
        "FailedCreate: pods",
    ),
    (
        "replicaset failure cleared",
        REPLICA_SET,
        {"status": {"conditions": [condition("ReplicaFailure", "False", "FailedCreate")]}},
        H,
        "",
    ),
    (
        "old replicaset scaled down",
        REPLICA_SET,
        {"spec": {"replicas": 0}, "status": {"replicas": 0, "availableReplicas": DROP}},
        H,
        "",
    ),
]


@pytest.mark.parametrize(
    ("base", "patch", "status", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_workload_health(
    base: dict[str, Any], patch: dict[str, Any], status: HealthStatus, message: str
) -> None:
    result = assess(vary(base, patch))
    assert result is not None
    assert result.status is status, result.message
    if message:
        assert message in result.message
    elif status is H:
        assert "Waiting" not in result.message
