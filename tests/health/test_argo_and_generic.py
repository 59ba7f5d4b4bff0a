"""Argo Rollouts' Rollout, Argo CD's Application, Argo Workflows, and the kstatus fallback."""

from __future__ import annotations

from typing import Any

import pytest

from seaway.health import assess
from seaway.model.status import HealthStatus
from tests.health.shapes import DROP, condition, meta, vary

H, P, D, S, M, U = (
    HealthStatus.HEALTHY,
    HealthStatus.PROGRESSING,
    HealthStatus.DEGRADED,
    HealthStatus.SUSPENDED,
    HealthStatus.MISSING,
    HealthStatus.UNKNOWN,
)

ROLLOUT: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Rollout",
    "metadata": meta("web", generation=4),
    "spec": {
        "replicas": 4,
        "selector": {"matchLabels": {"app": "web"}},
        "strategy": {"canary": {"steps": [{"setWeight": 25}, {"pause": {}}]}},
    },
    "status": {
        "observedGeneration": "4",
        "replicas": 4,
        "updatedReplicas": 4,
        "readyReplicas": 4,
        "availableReplicas": 4,
        "currentPodHash": "6b9d5f8c7",
        "stableRS": "6b9d5f8c7",
        "phase": "Healthy",
        "conditions": [
            condition("Progressing", "True", "NewReplicaSetAvailable", "Rollout has completed"),
            condition("Available", "True", "AvailableReason", "Rollout has minimum availability"),
        ],
    },
}
APPLICATION: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Application",
    "metadata": meta("shop", namespace="argocd"),
    "spec": {
        "project": "default",
        "source": {"repoURL": "https://git.example.com/env.git", "path": "shop"},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"},
    },
    "status": {"health": {"status": "Healthy"}, "sync": {"status": "Synced"}},
}
WORKFLOW: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": meta("build-x7"),
    "spec": {"entrypoint": "main"},
    "status": {"phase": "Running"},
}
CUSTOM: dict[str, Any] = {
    "apiVersion": "example.com/v1",
    "kind": "Widget",
    "metadata": meta("w", generation=5),
    "spec": {"size": 3},
}

CASES: list[tuple[str, dict[str, Any], dict[str, Any], HealthStatus, str]] = [
    ("rollout healthy", ROLLOUT, {}, H, ""),
    ("rollout without status", ROLLOUT, {"status": DROP}, P, "spec update to be observed"),
    (
        "rollout generation lags",
        ROLLOUT,
        {"metadata": {"generation": 5}},
        P,
        "spec update to be observed",
    ),
    ("rollout numeric observedGeneration", ROLLOUT, {"status": {"observedGeneration": 4}}, H, ""),
    (
        "rollout paused at a step",
        ROLLOUT,
        {
            "status": {
                "phase": "Paused",
                "message": "CanaryPauseStep",
                "pauseConditions": [
                    {"reason": "CanaryPauseStep", "startTime": "2025-03-01T10:01:00Z"}
                ],
            }
        },
        S,
        "paused",
    ),
    ("rollout paused by hand", ROLLOUT, {"spec": {"paused": True}}, S, "paused"),
    (
        "rollout aborted",
        ROLLOUT,
        {
            "status": {
                "abort": True,
                "phase": "Degraded",
                "conditions": [
                    condition(
                        "Progressing", "False", "RolloutAborted", "Rollout aborted update to 5c4"
                    )
                ],
            }
        },
        D,
        "RolloutAborted: Rollout aborted update",
    ),
    (
        "rollout abort flag alone",
        ROLLOUT,
        {"status": {"abort": True, "message": "aborted by analysis"}},
        D,
        "aborted by analysis",
    ),
    (
        "rollout progress deadline",
        ROLLOUT,
        {"status": {"conditions": [condition("Progressing", "False", "ProgressDeadlineExceeded")]}},
        D,
        "ProgressDeadlineExceeded",
    ),
    (
        "rollout invalid spec",
        ROLLOUT,
        {"status": {"conditions": [condition("InvalidSpec", "True", "InvalidSpec", "bad steps")]}},
        D,
        "bad steps",
    ),
    (
        "rollout progressing by its own phase",
        ROLLOUT,
        {"status": {"phase": "Progressing", "message": "more replicas need to be updated"}},
        P,
        "more replicas",
    ),
    (
        "legacy rollout, canary steps left",
        ROLLOUT,
        {"status": {"phase": DROP, "stableRS": "11aa22bb"}},
        P,
        "steps",
    ),
    (
        "legacy rollout, replicas updating",
        ROLLOUT,
        {"status": {"phase": DROP, "updatedReplicas": 2}},
        P,
        "more replicas",
    ),
    ("legacy rollout done", ROLLOUT, {"status": {"phase": DROP}}, H, ""),
    (
        "legacy blue-green cutover pending",
        ROLLOUT,
        {
            "spec": {"strategy": {"canary": DROP, "blueGreen": {"activeService": "web"}}},
            "status": {"phase": DROP, "blueGreen": {"activeSelector": "11aa22bb"}},
        },
        P,
        "cutover",
    ),
    (
        "pre-0.10 hash observedGeneration is not compared",
        ROLLOUT,
        {"status": {"observedGeneration": "7d4f9b6c5d"}},
        H,
        "",
    ),
    ("application healthy", APPLICATION, {}, H, ""),
    (
        "application degraded",
        APPLICATION,
        {"status": {"health": {"status": "Degraded", "message": "1 pod crashed"}}},
        D,
        "1 pod crashed",
    ),
    ("application missing", APPLICATION, {"status": {"health": {"status": "Missing"}}}, M, ""),
    ("application suspended", APPLICATION, {"status": {"health": {"status": "Suspended"}}}, S, ""),
    ("application not judged yet", APPLICATION, {"status": DROP}, P, "report its health"),
    (
        "application with a foreign word",
        APPLICATION,
        {"status": {"health": {"status": "Sad"}}},
        U,
        "'Sad'",
    ),
    ("workflow running", WORKFLOW, {}, P, ""),
    ("workflow succeeded", WORKFLOW, {"status": {"phase": "Succeeded"}}, H, ""),
    (
        "workflow failed",
        WORKFLOW,
        {"status": {"phase": "Failed", "message": "step 2"}},
        D,
        "step 2",
    ),
    # The kstatus fallback
    (
        "custom kind stalled",
        CUSTOM,
        {"status": {"conditions": [condition("Stalled", "True", "BadConfig", "size too big")]}},
        D,
        "BadConfig: size too big",
    ),
    (
        "custom kind generation lags",
        CUSTOM,
        {"status": {"observedGeneration": 4, "conditions": [condition("Ready", "True")]}},
        P,
        "newest spec",
    ),
    (
        "custom kind reconciling",
        CUSTOM,
        {
            "status": {
                "observedGeneration": 5,
                "conditions": [
                    condition("Reconciling", "True", "Progressing", "building"),
                    condition("Ready", "False", "Progressing"),
                ],
            }
        },
        P,
        "building",
    ),
    (
        "custom kind ready",
        CUSTOM,
        {"status": {"observedGeneration": 5, "conditions": [condition("Ready", "True", "", "ok")]}},
        H,
        "ok",
    ),
    (
        "custom kind not ready",
        CUSTOM,
        {
            "status": {
                "observedGeneration": 5,
                "conditions": [condition("Ready", "False", "AuthFailed", "401 from registry")],
            }
        },
        D,
        "AuthFailed: 401 from registry",
    ),
    (
        "custom kind readiness unknown",
        CUSTOM,
        {"status": {"conditions": [condition("Ready", "Unknown", "Pending")]}},
        P,
        "Pending",
    ),
    (
        "custom kind Ready condition from an older generation",
        CUSTOM,
        {
            "status": {
                "conditions": [dict(condition("Ready", "False", "Old"), observedGeneration=4)]
            }
        },
        P,
        "Old",
    ),
    (
        "custom kind with Available only",
        CUSTOM,
        {"status": {"conditions": [condition("Available", "True")]}},
        H,
        "",
    ),
    ("custom kind suspended", CUSTOM, {"spec": {"suspend": True}}, S, "Widget is suspended"),
    ("custom kind phase Failed", CUSTOM, {"status": {"phase": "Failed"}}, D, "Phase is Failed"),
    ("custom kind phase Pending", CUSTOM, {"status": {"phase": "Pending"}}, P, "Pending"),
    ("custom kind phase Running", CUSTOM, {"status": {"phase": "Running"}}, H, ""),
    ("custom kind phase Paused", CUSTOM, {"status": {"phase": "Paused"}}, S, "Paused"),
]


@pytest.mark.parametrize(
    ("base", "patch", "status", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_health(
    base: dict[str, Any], patch: dict[str, Any], status: HealthStatus, message: str
) -> None:
    result = assess(vary(base, patch))
    assert result is not None
    assert result.status is status, result.message
    assert message in result.message


@pytest.mark.parametrize(
    "patch",
    [
        pytest.param({}, id="no status"),
        pytest.param({"status": {}}, id="empty status"),
        pytest.param({"status": {"observedGeneration": 5}}, id="caught up, nothing more"),
        pytest.param({"status": {"phase": "Shiny"}}, id="unknown phase word"),
        pytest.param({"spec": {"suspend": "sometimes"}}, id="suspend that is not a switch"),
        pytest.param(
            {"status": {"conditions": [condition("Synced", "True")]}}, id="unrelated condition"
        ),
    ],
)
def test_custom_kind_without_a_signal_has_no_health(patch: dict[str, Any]) -> None:
    assert assess(vary(CUSTOM, patch)) is None
