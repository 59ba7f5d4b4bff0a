"""What neither side of a comparison should see: fields the API server owns and writes itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SERVER_METADATA = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
)
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def plain(value: Any) -> Any:
    """A deep copy as plain dicts and lists, so that normalizing never touches the caller's
    objects and any Mapping or tuple compares like the JSON it stands for."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def clean(obj: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = plain(obj)
    # status is what the cluster observed, never what Git asks for.
    out.pop("status", None)
    metadata = out.get("metadata")
    if isinstance(metadata, dict):
        for field in SERVER_METADATA:
            metadata.pop(field, None)
        if not metadata.get("namespace"):
            metadata.pop("namespace", None)
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict):
            # kubectl's copy of the previous manifest: noise, and it holds Secret values.
            annotations.pop(LAST_APPLIED, None)
    return out
