"""How a desired object finds its live counterpart: the model's ResourceKey (group, kind,
namespace, name; no version) and which kinds take no namespace."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from seaway.model.keys import ResourceKey

# Kinds without a namespace that any cluster has. A caller that knows more (from discovery) passes
# its own predicate to diff_many.
CLUSTER_SCOPED_KINDS: frozenset[tuple[str, str]] = frozenset(
    {
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("networking.k8s.io", "IngressClass"),
        ("node.k8s.io", "RuntimeClass"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("gateway.networking.k8s.io", "GatewayClass"),
        ("argoproj.io", "ClusterWorkflowTemplate"),
    }
)


def group_of(api_version: str) -> str:
    """ "apps/v1" -> "apps"; the core group "v1" -> ""."""
    return api_version.rpartition("/")[0]


def is_cluster_scoped(group: str, kind: str) -> bool:
    return (group, kind) in CLUSTER_SCOPED_KINDS


def key_of(obj: Mapping[str, Any]) -> ResourceKey:
    """The key of `obj`, or a ValueError naming what is missing: an object without a kind or
    name cannot be matched with anything."""
    metadata = obj.get("metadata") or {}
    name = metadata.get("name")
    kind = obj.get("kind")
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"object {name!r} has no kind")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{kind} has no metadata.name; every object needs one")
    api_version = obj.get("apiVersion")
    if not isinstance(api_version, str) or not api_version:
        raise ValueError(f"{kind} {name!r} has no apiVersion")
    return ResourceKey.from_object(obj)
