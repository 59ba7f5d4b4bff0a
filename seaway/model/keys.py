"""The identity of a Kubernetes object, independent of its API version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class ResourceKey:
    """Group, kind, namespace and name: what tells two objects apart in a cluster.

    The version is left out on purpose: apps/v1 and apps/v1beta2 Deployments with the same name
    are one object served at two versions. An empty namespace means cluster-scoped.
    """

    group: str
    kind: str
    namespace: str
    name: str

    @classmethod
    def from_object(cls, obj: Mapping[str, Any]) -> ResourceKey:
        meta = obj.get("metadata") or {}
        return cls(
            group=str(obj.get("apiVersion", "")).rpartition("/")[0],
            kind=str(obj.get("kind", "")),
            namespace=str(meta.get("namespace") or ""),
            name=str(meta.get("name", "")),
        )

    def __str__(self) -> str:
        group = self.group or "core"
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{group}/{self.kind}/{where}"
