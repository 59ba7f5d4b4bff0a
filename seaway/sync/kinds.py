"""The order in which kinds are applied within one wave: what others depend on goes first
(namespaces and CRDs before what lives in them, config before the workloads that mount it).
Pruning walks the same order backwards."""

from __future__ import annotations

_ORDER = (
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SealedSecret",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "Rollout",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "HTTPRoute",
    "APIService",
)
_RANK = {kind: rank for rank, kind in enumerate(_ORDER)}


def kind_rank(kind: str) -> int:
    """Known kinds by their place; unknown kinds (custom resources) after all of them."""
    return _RANK.get(kind, len(_ORDER))
