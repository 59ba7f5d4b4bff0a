"""Live objects shaped as the API server returns them, and a deep merge to vary them per case."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

# Marks a key to remove in `vary`, so that a case can take a field away.
DROP = object()


def vary(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `patch` merged in deeply; lists are replaced whole, DROP removes a key."""
    merged = copy.deepcopy(dict(base))
    for key, value in patch.items():
        if value is DROP:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = vary(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def meta(name: str, namespace: str | None = "shop", generation: int = 1) -> dict[str, Any]:
    found: dict[str, Any] = {
        "name": name,
        "uid": "3f1c2a9e-0000-4000-8000-000000000001",
        "resourceVersion": "4711",
        "generation": generation,
        "creationTimestamp": "2025-03-01T10:00:00Z",
    }
    if namespace is not None:
        found["namespace"] = namespace
    return found


def condition(kind: str, status: str, reason: str = "", message: str = "") -> dict[str, Any]:
    found = {
        "type": kind,
        "status": status,
        "lastTransitionTime": "2025-03-01T10:00:05Z",
    }
    if reason:
        found["reason"] = reason
    if message:
        found["message"] = message
    return found


DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": meta("web", generation=2),
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}},
        "progressDeadlineSeconds": 600,
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "example/web:1.1"}]},
        },
    },
    "status": {
        "observedGeneration": 2,
        "replicas": 3,
        "updatedReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "conditions": [
            condition("Available", "True", "MinimumReplicasAvailable"),
            condition("Progressing", "True", "NewReplicaSetAvailable"),
        ],
    },
}

STATEFUL_SET: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "StatefulSet",
    "metadata": meta("db", generation=3),
    "spec": {
        "replicas": 3,
        "serviceName": "db",
        "selector": {"matchLabels": {"app": "db"}},
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        "podManagementPolicy": "OrderedReady",
        "template": {
            "metadata": {"labels": {"app": "db"}},
            "spec": {"containers": [{"name": "db", "image": "example/db:2"}]},
        },
    },
    "status": {
        "observedGeneration": 3,
        "replicas": 3,
        "readyReplicas": 3,
        "currentReplicas": 3,
        "updatedReplicas": 3,
        "availableReplicas": 3,
        "currentRevision": "db-7d9f8c",
        "updateRevision": "db-7d9f8c",
        "collisionCount": 0,
    },
}

DAEMON_SET: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "DaemonSet",
    "metadata": meta("agent", generation=1),
    "spec": {
        "selector": {"matchLabels": {"app": "agent"}},
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
        "template": {
            "metadata": {"labels": {"app": "agent"}},
            "spec": {"containers": [{"name": "agent", "image": "example/agent:1"}]},
        },
    },
    "status": {
        "observedGeneration": 1,
        "currentNumberScheduled": 4,
        "desiredNumberScheduled": 4,
        "numberMisscheduled": 0,
        "numberReady": 4,
        "updatedNumberScheduled": 4,
        "numberAvailable": 4,
    },
}

REPLICA_SET: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "ReplicaSet",
    "metadata": meta("web-5d8f7b9c4", generation=1),
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "example/web:1.1"}]},
        },
    },
    "status": {
        "observedGeneration": 1,
        "replicas": 2,
        "fullyLabeledReplicas": 2,
        "readyReplicas": 2,
        "availableReplicas": 2,
    },
}


def container_status(name: str = "web", **state: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "name": name,
        "image": "example/web:1.1",
        "imageID": "",
        "ready": False,
        "restartCount": 0,
        "started": False,
        "state": state.pop("state", {"running": {"startedAt": "2025-03-01T10:00:03Z"}}),
    }
    found.update(state)
    return found


POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": vary(meta("web-5d8f7b9c4-x2x7k"), {"generation": DROP}),
    "spec": {
        "restartPolicy": "Always",
        "nodeName": "kwok-node-0",
        "containers": [{"name": "web", "image": "example/web:1.1"}],
    },
    "status": {
        "phase": "Running",
        "conditions": [
            condition("Initialized", "True"),
            condition("Ready", "True"),
            condition("ContainersReady", "True"),
            condition("PodScheduled", "True"),
        ],
        "containerStatuses": [container_status(ready=True, started=True)],
        "hostIP": "10.0.0.5",
        "podIP": "10.244.0.7",
        "startTime": "2025-03-01T10:00:01Z",
    },
}
