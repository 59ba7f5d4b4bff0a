"""The Kubernetes backend: a real API server, server-side apply with field manager `seaway`."""

from seaway.cluster.kubernetes.backend import KubernetesBackend
from seaway.cluster.kubernetes.rest import FIELD_MANAGER, KubeError, KubeRest, UnknownKind

__all__ = ["FIELD_MANAGER", "KubeError", "KubeRest", "KubernetesBackend", "UnknownKind"]
