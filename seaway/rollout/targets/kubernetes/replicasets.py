"""The apps/v1 ReplicaSet that runs one pod template of a Rollout, as Argo Rollouts makes it.

Named `<rollout>-<hash>`, labelled (itself, its selector and its pods) with the template's hash,
owned by the Rollout as its controller so that deleting the Rollout deletes its sets. A set
carries its own copy of the template, so an old stable keeps running the old version after the
Rollout's template changed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from seaway.rollout.engine.types import HASH_LABEL, ReplicaSetState

API_VERSION = "apps/v1"
KIND = "ReplicaSet"
# Argo Rollouts' count of templates a Rollout has run, newest highest.
REVISION = "rollout.argoproj.io/revision"


def set_name(rollout: Mapping[str, Any], template_hash: str) -> str:
    return f"{rollout['metadata']['name']}-{template_hash}"


def owner_reference(rollout: Mapping[str, Any]) -> dict[str, Any]:
    meta = rollout["metadata"]
    return {
        "apiVersion": rollout.get("apiVersion", "argoproj.io/v1alpha1"),
        "kind": "Rollout",
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def owned_by(rs: Mapping[str, Any], rollout: Mapping[str, Any]) -> bool:
    uid = rollout["metadata"].get("uid")
    refs = (rs.get("metadata") or {}).get("ownerReferences") or []
    return any(ref.get("uid") == uid and ref.get("controller") for ref in refs)


def revision(rs: Mapping[str, Any]) -> int:
    value = ((rs.get("metadata") or {}).get("annotations") or {}).get(REVISION, "0")
    return int(value) if str(value).isdigit() else 0


def replica_set(
    rollout: Mapping[str, Any], template_hash: str, replicas: int, number: int = 1
) -> dict[str, Any]:
    """The whole ReplicaSet for the Rollout's current template, as revision `number`."""
    spec = rollout.get("spec") or {}
    template = copy.deepcopy(spec.get("template") or {})
    meta = template.setdefault("metadata", {})
    labels = {**(meta.get("labels") or {}), HASH_LABEL: template_hash}
    meta["labels"] = labels
    selector = copy.deepcopy(spec.get("selector") or {})
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: template_hash}
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": set_name(rollout, template_hash),
            "namespace": rollout["metadata"]["namespace"],
            "labels": labels,
            "annotations": {REVISION: str(number)},
            "ownerReferences": [owner_reference(rollout)],
        },
        "spec": {
            "replicas": replicas,
            "minReadySeconds": int(spec.get("minReadySeconds") or 0),
            "selector": selector,
            "template": template,
        },
    }


def state_of(rs: Mapping[str, Any]) -> ReplicaSetState | None:
    """What a ReplicaSet reports; None for one without the hash label (not a Rollout's)."""
    labels = (rs.get("metadata") or {}).get("labels") or {}
    template_hash = labels.get(HASH_LABEL)
    if not template_hash:
        return None
    status = rs.get("status") or {}
    return ReplicaSetState(
        hash=str(template_hash),
        replicas=int(status.get("replicas") or 0),
        # availableReplicas counts minReadySeconds, which the Rollout's own counts do too.
        ready=int(status.get("availableReplicas") or 0),
    )


def selector_string(rollout: Mapping[str, Any]) -> str:
    """The Rollout's selector in label-selector syntax (its status.selector, for `scale`)."""
    labels = ((rollout.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
