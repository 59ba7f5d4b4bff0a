"""Pure: what the local backend does with an applied object, as an API server would.

Seaway is the only writer on the local backend, so an apply replaces the object's content; the
bookkeeping an API server adds (uid, generation, resourceVersion, creationTimestamp, managedFields)
is added here, so the engine's diff and health read local objects exactly as cluster ones.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

FIELD_MANAGER = "seaway"

# Kinds the local backend runs or keeps; anything else is stored and reported unsupported.
RUNNABLE = frozenset({("apps", "Deployment"), ("", "Service"), ("argoproj.io", "Rollout")})
KEPT = frozenset(
    {
        ("", "ConfigMap"),
        ("", "Secret"),
        ("", "Namespace"),
        ("argoproj.io", "AnalysisTemplate"),
        ("argoproj.io", "ClusterAnalysisTemplate"),
    }
)
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "StorageClass",
        "PriorityClass",
        "IngressClass",
        "APIService",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ClusterAnalysisTemplate",
    }
)
UNSUPPORTED_REASON = "UnsupportedOnLocalBackend"


def group_of(obj: Mapping[str, Any]) -> str:
    return str(obj.get("apiVersion", "")).rpartition("/")[0]


def is_supported(obj: Mapping[str, Any]) -> bool:
    key = (group_of(obj), str(obj.get("kind", "")))
    return key in RUNNABLE or key in KEPT


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fields(value: Any) -> dict[str, Any]:
    """fieldsV1 for what an apply set: maps field by field; lists as one field."""
    if not isinstance(value, Mapping):
        return {}
    return {f"f:{key}": _fields(item) for key, item in value.items()}


def managed_fields(applied: Mapping[str, Any]) -> list[dict[str, Any]]:
    owned = {k: v for k, v in applied.items() if k not in ("apiVersion", "kind", "status")}
    meta = dict(owned.get("metadata") or {})
    owned["metadata"] = {k: meta[k] for k in ("labels", "annotations") if k in meta}
    return [
        {
            "manager": FIELD_MANAGER,
            "operation": "Apply",
            "apiVersion": str(applied.get("apiVersion", "")),
            "time": _now(),
            "fieldsType": "FieldsV1",
            "fieldsV1": _fields(owned),
        }
    ]


def _content(obj: Mapping[str, Any]) -> dict[str, Any]:
    """What decides the generation: everything but metadata and status."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


def _fold_string_data(obj: dict[str, Any]) -> None:
    """A Secret's stringData is write-only: the API server merges it into data and never stores
    it. Kept as given, it would be a plain-text value every reader of the object sees."""
    if obj.get("kind") != "Secret" or obj.get("apiVersion") != "v1":
        return
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = obj.get("data")
        data = dict(data) if isinstance(data, dict) else {}
        for key, value in string_data.items():
            text = "" if value is None else str(value)
            data[key] = base64.b64encode(text.encode()).decode()
        obj["data"] = data


def merge_apply(
    applied: Mapping[str, Any], current: Mapping[str, Any] | None, resource_version: int
) -> dict[str, Any]:
    """The object as stored after applying `applied` over `current`."""
    out = copy.deepcopy(dict(applied))
    _fold_string_data(out)
    meta = out.setdefault("metadata", {})
    old_meta = dict((current or {}).get("metadata") or {})
    generation = int(old_meta.get("generation", 0))
    if current is None or _content(current) != _content(out):
        generation += 1
    meta["uid"] = old_meta.get("uid") or str(uuid.uuid4())
    meta["creationTimestamp"] = old_meta.get("creationTimestamp") or _now()
    meta["generation"] = generation
    meta["resourceVersion"] = str(resource_version)
    meta["managedFields"] = managed_fields(applied)
    if current is not None and "status" in current:
        out["status"] = copy.deepcopy(current["status"])
    else:
        out.pop("status", None)
    if not is_supported(out):
        out["status"] = {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "False",
                    "reason": UNSUPPORTED_REASON,
                    "message": (
                        f"{out.get('kind')} is not supported on the local backend "
                        "(Deployment, Rollout, Service, ConfigMap, Secret, Namespace and "
                        "AnalysisTemplate are): stored, not run"
                    ),
                }
            ]
        }
    return out
