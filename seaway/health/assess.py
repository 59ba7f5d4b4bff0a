"""`assess`: the health of one live object, by its API group and kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from seaway.health import (
    argo,
    autoscaling,
    batch,
    control_plane,
    networking,
    pods,
    storage,
    workloads,
)
from seaway.health import fields as f
from seaway.health.generic import generic
from seaway.health.result import HealthResult, degraded, missing, progressing, unknown

Check = Callable[[f.Obj], HealthResult | None]

# Keyed by (API group, kind): the version does not matter, every served version of these kinds
# carries the fields the checks read. The core group is "".
CHECKS: Mapping[tuple[str, str], Check] = {
    ("apps", "Deployment"): workloads.deployment,
    ("apps", "StatefulSet"): workloads.stateful_set,
    ("apps", "DaemonSet"): workloads.daemon_set,
    ("apps", "ReplicaSet"): workloads.replica_set,
    ("", "Pod"): pods.pod,
    ("", "Service"): networking.service,
    ("networking.k8s.io", "Ingress"): networking.ingress,
    ("extensions", "Ingress"): networking.ingress,
    ("", "PersistentVolumeClaim"): storage.persistent_volume_claim,
    ("batch", "Job"): batch.job,
    ("batch", "CronJob"): batch.cron_job,
    ("autoscaling", "HorizontalPodAutoscaler"): autoscaling.horizontal_pod_autoscaler,
    ("apiregistration.k8s.io", "APIService"): control_plane.api_service,
    ("", "Namespace"): control_plane.namespace,
    ("argoproj.io", "Rollout"): argo.rollout,
    ("argoproj.io", "Application"): argo.application,
    ("argoproj.io", "Workflow"): argo.workflow,
}

# Kinds that never have health; listed so that a status-bearing object of one of them is not
# judged by the generic conventions by accident.
WITHOUT_HEALTH: frozenset[tuple[str, str]] = frozenset(
    {
        ("", "ConfigMap"),
        ("", "Secret"),
        ("", "ServiceAccount"),
        ("", "Endpoints"),
        ("", "LimitRange"),
        ("", "ResourceQuota"),
        ("discovery.k8s.io", "EndpointSlice"),
        ("rbac.authorization.k8s.io", "Role"),
        ("rbac.authorization.k8s.io", "RoleBinding"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("networking.k8s.io", "NetworkPolicy"),
        ("policy", "PodDisruptionBudget"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("storage.k8s.io", "StorageClass"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    }
)


_OWN_DELETION = frozenset({("", "Namespace")})


def has_health_check(api_version: str, kind: str) -> bool:
    """Whether Seaway has a check of its own for this kind (the generic fallback does not count).

    Argo CD up to 3.3 counts a missing resource against its application only when its kind has
    a check: a missing Deployment should hold up a sync wave, a missing ConfigMap is just
    OutOfSync. (3.4 dropped every missing resource and broke app-of-apps wave gating, argo-cd
    issue 27917; Seaway keeps the 3.3 rule.)
    """
    return (f.group_of(api_version), kind) in CHECKS


def _pending_deletion(obj: f.Obj) -> HealthResult:
    raw = f.value(obj, "metadata", "finalizers")
    if raw is not None and (not isinstance(raw, list) or not all(isinstance(x, str) for x in raw)):
        raise f.MalformedObjectError(["metadata", "finalizers"], "a list of names", raw)
    finalizers: list[str] = raw or []
    if finalizers:
        return progressing(f"Pending deletion: waiting for finalizers {', '.join(finalizers)}")
    return progressing("Pending deletion")


# The reason a backend gives for an object it stores but cannot run (the local backend for
# kinds other than Deployment and Service): whatever the kind's own check would say, nothing runs.
NOT_RUN_REASON = "UnsupportedOnLocalBackend"


def _not_run_here(obj: Mapping[str, Any]) -> HealthResult | None:
    conditions = f.value(obj, "status", "conditions")
    if not isinstance(conditions, list):
        return None
    for condition in conditions:
        if isinstance(condition, Mapping) and condition.get("reason") == NOT_RUN_REASON:
            return degraded(str(condition.get("message") or "not run by this backend"))
    return None


def assess(obj: Mapping[str, Any] | None) -> HealthResult | None:
    """The health of a live object, or None for kinds that have no health.

    None for `obj` means the object does not exist: Missing. A field of the wrong type gives
    Unknown with a message naming the field, never an exception.
    """
    if obj is None:
        return missing()
    try:
        api_version = f.string(obj, "apiVersion")
        kind = f.string(obj, "kind")
        if not kind:
            return unknown("Object has no kind")
        key = (f.group_of(api_version), kind)
        # Deleting is a change in progress for every kind; Argo CD says the same. A namespace
        # says more about its own deletion (what content remains, what failed) than that.
        if f.value(obj, "metadata", "deletionTimestamp") and key not in _OWN_DELETION:
            return _pending_deletion(obj)
        if key in WITHOUT_HEALTH:
            return None
        not_run = _not_run_here(obj)
        if not_run is not None:
            return not_run
        check = CHECKS.get(key, generic)
        return check(obj)
    except f.MalformedObjectError as error:
        return unknown(f"Cannot judge health: {error}")
