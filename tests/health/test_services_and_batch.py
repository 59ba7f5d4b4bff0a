"""Service, Ingress, PersistentVolumeClaim, Job, CronJob, HorizontalPodAutoscaler, APIService,
Namespace."""

from __future__ import annotations

import json
from typing import Any

import pytest

from seaway.health import assess
from seaway.model.status import HealthStatus
from tests.health.shapes import DROP, condition, meta, vary

H, P, D, S, U = (
    HealthStatus.HEALTHY,
    HealthStatus.PROGRESSING,
    HealthStatus.DEGRADED,
    HealthStatus.SUSPENDED,
    HealthStatus.UNKNOWN,
)

SERVICE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": vary(meta("web"), {"generation": DROP}),
    "spec": {
        "type": "ClusterIP",
        "clusterIP": "10.96.12.7",
        "clusterIPs": ["10.96.12.7"],
        "selector": {"app": "web"},
        "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}],
    },
    "status": {"loadBalancer": {}},
}
INGRESS: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "Ingress",
    "metadata": meta("web"),
    "spec": {
        "ingressClassName": "nginx",
        "rules": [{"host": "shop.example.com", "http": {"paths": []}}],
    },
    "status": {"loadBalancer": {}},
}
PVC: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "PersistentVolumeClaim",
    "metadata": vary(meta("data"), {"generation": DROP}),
    "spec": {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "1Gi"}},
        "storageClassName": "standard",
        "volumeMode": "Filesystem",
    },
    "status": {"phase": "Pending"},
}
JOB: dict[str, Any] = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": meta("migrate"),
    "spec": {"backoffLimit": 6, "completions": 1, "parallelism": 1, "suspend": False},
    "status": {"active": 1, "startTime": "2025-03-01T10:00:00Z", "ready": 0},
}
CRON_JOB: dict[str, Any] = {
    "apiVersion": "batch/v1",
    "kind": "CronJob",
    "metadata": meta("report"),
    "spec": {"schedule": "*/5 * * * *", "suspend": False, "concurrencyPolicy": "Allow"},
    "status": {},
}
HPA_V2: dict[str, Any] = {
    "apiVersion": "autoscaling/v2",
    "kind": "HorizontalPodAutoscaler",
    "metadata": meta("web"),
    "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "minReplicas": 2,
        "maxReplicas": 10,
    },
    "status": {"currentReplicas": 2, "desiredReplicas": 2},
}
API_SERVICE: dict[str, Any] = {
    "apiVersion": "apiregistration.k8s.io/v1",
    "kind": "APIService",
    "metadata": meta("v1beta1.metrics.k8s.io", namespace=None),
    "spec": {
        "group": "metrics.k8s.io",
        "version": "v1beta1",
        "service": {"name": "metrics-server", "namespace": "kube-system", "port": 443},
    },
    "status": {},
}
NAMESPACE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Namespace",
    "metadata": vary(meta("shop", namespace=None), {"generation": DROP}),
    "spec": {"finalizers": ["kubernetes"]},
    "status": {"phase": "Active"},
}

LB = {"spec": {"type": "LoadBalancer"}}
ABLE = condition("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size")
ACTIVE = condition("ScalingActive", "True", "ValidMetricFound", "the HPA was able to compute")

CASES: list[tuple[str, dict[str, Any], dict[str, Any], HealthStatus, str]] = [
    ("service ClusterIP", SERVICE, {}, H, ""),
    ("service NodePort", SERVICE, {"spec": {"type": "NodePort"}}, H, ""),
    ("service headless", SERVICE, {"spec": {"clusterIP": "None"}}, H, ""),
    ("service LoadBalancer waiting", SERVICE, LB, P, "load balancer"),
    (
        "service LoadBalancer with an empty list",
        SERVICE,
        vary(LB, {"status": {"loadBalancer": {"ingress": []}}}),
        P,
        "load balancer",
    ),
    (
        "service LoadBalancer with an IP",
        SERVICE,
        vary(LB, {"status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}]}}}),
        H,
        "203.0.113.9",
    ),
    (
        "service LoadBalancer with a hostname",
        SERVICE,
        vary(LB, {"status": {"loadBalancer": {"ingress": [{"hostname": "lb.example.at"}]}}}),
        H,
        "lb.example.at",
    ),
    ("ingress without address", INGRESS, {}, P, "ingress controller"),
    ("ingress without status", INGRESS, {"status": DROP}, P, "ingress controller"),
    (
        "ingress with address",
        INGRESS,
        {"status": {"loadBalancer": {"ingress": [{"ip": "198.51.100.4"}]}}},
        H,
        "198.51.100.4",
    ),
    (
        "legacy extensions ingress",
        INGRESS,
        {
            "apiVersion": "extensions/v1beta1",
            "status": {"loadBalancer": {"ingress": [{"hostname": "a.example"}]}},
        },
        H,
        "a.example",
    ),
    ("pvc bound", PVC, {"status": {"phase": "Bound"}}, H, ""),
    ("pvc lost", PVC, {"status": {"phase": "Lost"}}, D, "lost"),
    (
        "pvc provisioning",
        PVC,
        {
            "metadata": {
                "annotations": {"volume.kubernetes.io/storage-provisioner": "ebs.csi.aws.com"}
            }
        },
        P,
        "Provisioning",
    ),
    (
        "pvc provisioning, old annotation",
        PVC,
        {
            "metadata": {
                "annotations": {"volume.beta.kubernetes.io/storage-provisioner": "rancher.io/x"}
            }
        },
        P,
        "Provisioning",
    ),
    ("pvc waiting for first consumer", PVC, {}, H, "Waiting for consumer"),
    ("pvc odd phase", PVC, {"status": {"phase": "Resizing"}}, U, "Resizing"),
    ("job running", JOB, {}, P, "1 pods running"),
    ("job created, no pods yet", JOB, {"status": DROP}, P, "Waiting for the Job"),
    (
        "job complete",
        JOB,
        {
            "status": {
                "active": DROP,
                "succeeded": 1,
                "conditions": [
                    condition("SuccessCriteriaMet", "True", "CompletionsReached"),
                    condition("Complete", "True", "CompletionsReached", "Reached expected number"),
                ],
            }
        },
        H,
        "Reached expected number",
    ),
    (
        "job failed",
        JOB,
        {
            "status": {
                "active": DROP,
                "failed": 7,
                "conditions": [
                    condition("FailureTarget", "True", "BackoffLimitExceeded"),
                    condition(
                        "Failed",
                        "True",
                        "BackoffLimitExceeded",
                        "Job has reached the backoff limit",
                    ),
                ],
            }
        },
        D,
        "BackoffLimitExceeded: Job has reached the backoff limit",
    ),
    (
        "job failure decided, pods still stopping",
        JOB,
        {
            "status": {
                "conditions": [
                    condition("FailureTarget", "True", "DeadlineExceeded", "Job was active longer")
                ]
            }
        },
        D,
        "DeadlineExceeded",
    ),
    (
        "job suspended",
        JOB,
        {
            "spec": {"suspend": True},
            "status": {
                "active": DROP,
                "conditions": [condition("Suspended", "True", "JobSuspended", "Job suspended")],
            },
        },
        S,
        "Job suspended",
    ),
    (
        "job suspended before the controller noticed",
        JOB,
        {"spec": {"suspend": True}, "status": DROP},
        S,
        "suspended",
    ),
    (
        "job resumed keeps a False Suspended condition",
        JOB,
        {"status": {"conditions": [condition("Suspended", "False", "JobResumed", "resumed")]}},
        P,
        "running",
    ),
    ("cronjob suspended", CRON_JOB, {"spec": {"suspend": True}}, S, "suspended"),
    ("cronjob not scheduled yet", CRON_JOB, {}, H, "not been scheduled"),
    ("cronjob without status", CRON_JOB, {"status": DROP}, P, "CronJob controller"),
    (
        "cronjob first run in flight",
        CRON_JOB,
        {"status": {"lastScheduleTime": "2025-03-01T10:05:00Z", "active": [{"name": "r-1"}]}},
        H,
        "not completed a run",
    ),
    (
        "cronjob last run succeeded",
        CRON_JOB,
        {
            "status": {
                "lastScheduleTime": "2025-03-01T10:05:00Z",
                "lastSuccessfulTime": "2025-03-01T10:05:41Z",
            }
        },
        H,
        "completed successfully",
    ),
    (
        "cronjob last run failed",
        CRON_JOB,
        {
            "status": {
                "lastScheduleTime": "2025-03-01T10:10:00Z",
                "lastSuccessfulTime": "2025-03-01T10:05:41Z",
            }
        },
        D,
        "did not complete",
    ),
    (
        "cronjob running after an older success",
        CRON_JOB,
        {
            "status": {
                "lastScheduleTime": "2025-03-01T10:10:00Z",
                "lastSuccessfulTime": "2025-03-01T10:05:41Z",
                "active": [{"kind": "Job", "name": "report-29000010"}],
            }
        },
        H,
        "in progress",
    ),
    (
        "cronjob with a bad time",
        CRON_JOB,
        {"status": {"lastScheduleTime": "yesterday"}},
        U,
        "status.lastScheduleTime",
    ),
    ("hpa without conditions", HPA_V2, {}, P, "Waiting to autoscale"),
    ("hpa healthy", HPA_V2, {"status": {"conditions": [ABLE, ACTIVE]}}, H, "recommended size"),
    (
        "hpa at max",
        HPA_V2,
        {
            "status": {
                "conditions": [
                    ABLE,
                    ACTIVE,
                    condition("ScalingLimited", "True", "TooManyReplicas", "at max"),
                ]
            }
        },
        H,
        "",
    ),
    (
        "hpa cannot read metrics behind a good AbleToScale",
        HPA_V2,
        {
            "status": {
                "conditions": [
                    ABLE,
                    condition(
                        "ScalingActive",
                        "False",
                        "FailedGetResourceMetric",
                        "unable to get metrics for resource cpu",
                    ),
                ]
            }
        },
        D,
        "FailedGetResourceMetric: unable to get metrics",
    ),
    (
        "hpa cannot scale its target",
        HPA_V2,
        {"status": {"conditions": [condition("AbleToScale", "False", "FailedGetScale", "nope")]}},
        D,
        "FailedGetScale",
    ),
    (
        "hpa target scaled to zero by hand",
        HPA_V2,
        {
            "status": {
                "conditions": [
                    ABLE,
                    condition("ScalingActive", "False", "ScalingDisabled", "scaling is disabled"),
                ]
            }
        },
        H,
        "",
    ),
    (
        "hpa v1 reads the conditions annotation",
        HPA_V2,
        {
            "apiVersion": "autoscaling/v1",
            "metadata": {
                "annotations": {
                    "autoscaling.alpha.kubernetes.io/conditions": json.dumps(
                        [condition("ScalingActive", "False", "InvalidSelector", "bad selector")]
                    )
                }
            },
        },
        D,
        "InvalidSelector",
    ),
    ("hpa v1 without annotation", HPA_V2, {"apiVersion": "autoscaling/v1"}, P, "autoscale"),
    (
        "hpa v1 with a broken annotation",
        HPA_V2,
        {
            "apiVersion": "autoscaling/v1",
            "metadata": {"annotations": {"autoscaling.alpha.kubernetes.io/conditions": "[{"}},
        },
        U,
        "autoscaling.alpha.kubernetes.io/conditions",
    ),
    ("apiservice not yet checked", API_SERVICE, {}, P, "Waiting"),
    (
        "apiservice available",
        API_SERVICE,
        {"status": {"conditions": [condition("Available", "True", "Passed", "all checks passed")]}},
        H,
        "Passed: all checks passed",
    ),
    (
        "apiservice backend missing",
        API_SERVICE,
        {
            "status": {
                "conditions": [
                    condition("Available", "False", "ServiceNotFound", 'service "x" not found')
                ]
            }
        },
        P,
        "ServiceNotFound",
    ),
    (
        "namespace terminating",
        NAMESPACE,
        {
            "metadata": {"deletionTimestamp": "2025-03-01T11:00:00Z"},
            "status": {
                "phase": "Terminating",
                "conditions": [
                    condition(
                        "NamespaceContentRemaining",
                        "True",
                        "SomeResourcesRemain",
                        "Some resources are remaining: pods. has 2 resource instances",
                    )
                ],
            },
        },
        P,
        "pods. has 2 resource instances",
    ),
    (
        "namespace deletion failing",
        NAMESPACE,
        {
            "metadata": {"deletionTimestamp": "2025-03-01T11:00:00Z"},
            "status": {
                "phase": "Terminating",
                "conditions": [
                    condition(
                        "NamespaceDeletionDiscoveryFailure",
                        "True",
                        "DiscoveryFailed",
                        "Discovery failed for some groups",
                    )
                ],
            },
        },
        D,
        "Discovery failed",
    ),
    (
        "namespace just marked for deletion",
        NAMESPACE,
        {"metadata": {"deletionTimestamp": "2025-03-01T11:00:00Z"}},
        P,
        "Namespace is terminating",
    ),
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


def test_active_namespace_has_no_health() -> None:
    assert assess(NAMESPACE) is None
    assert assess(vary(NAMESPACE, {"status": DROP})) is None
