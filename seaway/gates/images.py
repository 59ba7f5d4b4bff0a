"""Which container images a set of Kubernetes objects runs. Pure.

Every workload kind that carries a pod template is read (Pods, Deployments, ReplicaSets,
StatefulSets, DaemonSets, Jobs, CronJobs and Argo Rollouts), with init and ephemeral containers:
an image that only runs at start is as much code in the cluster as any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_TEMPLATE_KINDS = frozenset(
    {
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "Rollout",
        "ReplicationController",
    }
)
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True)
class ImageUse:
    image: str
    # Where it is used, for people: "Deployment shop/api, container api".
    where: str


def pod_spec(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind in _TEMPLATE_KINDS:
        return (spec.get("template") or {}).get("spec")
    if kind == "CronJob":
        job = (spec.get("jobTemplate") or {}).get("spec") or {}
        return (job.get("template") or {}).get("spec")
    return None


def images_in(objects: Iterable[Mapping[str, Any]]) -> list[ImageUse]:
    found = []
    for obj in objects:
        spec = pod_spec(obj)
        if not isinstance(spec, Mapping):
            continue
        meta = obj.get("metadata") or {}
        name = "/".join(p for p in (meta.get("namespace"), meta.get("name")) if p)
        for field in _CONTAINER_LISTS:
            for container in spec.get(field) or []:
                image = container.get("image") if isinstance(container, Mapping) else None
                if isinstance(image, str) and image:
                    where = f"{obj.get('kind')} {name}, container {container.get('name', '?')}"
                    found.append(ImageUse(image, where))
    return found
