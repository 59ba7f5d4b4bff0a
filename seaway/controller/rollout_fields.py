"""The fields a rollout in progress sets on objects that Git also describes, so that the
Application's diff does not report them as drift.

Kubernetes makes two of them atomic, so field ownership alone cannot tell them apart: a
Service's selector (the rollout adds the pod-template-hash key) and an HTTPRoute's rules (the
rollout sets backendRef weights and adds its own header rules, named `seaway-...`). Only objects
the rollout's field manager has written get these rules; everything else in them still counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from seaway.diff.ignore import IgnoreRule
from seaway.rollout.engine.types import HASH_LABEL
from seaway.rollout.ownership import MANAGER, RULE_PREFIX

_SERVICE = IgnoreRule(group="", kind="Service", json_pointers=(f"/spec/selector/{HASH_LABEL}",))
_HTTP_ROUTE = IgnoreRule(
    group="gateway.networking.k8s.io",
    kind="HTTPRoute",
    jq_path_expressions=(
        ".spec.rules[]?.backendRefs[]?.weight",
        f'.spec.rules[]? | select((.name // "") | startswith("{RULE_PREFIX}"))',
    ),
)


def rollout_ignore_rules(live: Mapping[str, Any] | None) -> list[IgnoreRule]:
    """Ignore rules for `live` when a rollout has written it, else none."""
    if live is None:
        return []
    entries = (live.get("metadata") or {}).get("managedFields") or []
    if not any(isinstance(e, Mapping) and e.get("manager") == MANAGER for e in entries):
        return []
    kind = live.get("kind")
    if kind == "Service":
        return [_SERVICE]
    if kind == "HTTPRoute":
        return [_HTTP_ROUTE]
    return []
