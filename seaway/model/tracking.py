"""How Seaway marks the objects an application owns.

A label makes the app's objects cheap to list; an annotation with the object's own identity
confirms ownership, so an object copied from another app (labels and all) is not pruned by
mistake. Argo CD's annotation tracking works the same way.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

APP_LABEL = "seaway.io/app"
TRACKING_ANNOTATION = "seaway.io/tracking-id"


def group_of(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def tracking_id(app: str, obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata", {})
    return (
        f"{app}:{group_of(str(obj.get('apiVersion', '')))}/{obj.get('kind', '')}:"
        f"{meta.get('namespace') or ''}/{meta.get('name', '')}"
    )


def label_value(app: str) -> str:
    """App names may hold characters a label value may not; keep the label valid."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in app)
    return cleaned[:63].strip("-_.") or "app"


def stamp(app: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of obj carrying the app's tracking label and annotation."""
    out = copy.deepcopy(dict(obj))
    meta = out.setdefault("metadata", {})
    meta.setdefault("labels", {})[APP_LABEL] = label_value(app)
    meta.setdefault("annotations", {})[TRACKING_ANNOTATION] = tracking_id(app, out)
    return out


def is_tracked_by(app: str, obj: Mapping[str, Any]) -> bool:
    annotations = obj.get("metadata", {}).get("annotations") or {}
    return bool(annotations.get(TRACKING_ANNOTATION) == tracking_id(app, obj))
