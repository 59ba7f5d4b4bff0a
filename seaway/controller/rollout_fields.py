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


def keep_rollout_fields(desired: dict[str, Any], live: Mapping[str, Any] | None) -> dict[str, Any]:
    """`desired` with the values a rollout has set on `live` carried over, so that a sync of the
    Application does not take the traffic back: both fields are atomic, so an apply of Git's
    version as it is would replace the rollout's hash selector or weights and header rules
    (for a blue/green preview, sending users to it) until the rollout's next pass."""
    if not rollout_ignore_rules(live):
        return desired
    assert live is not None  # noqa: S101 - rollout_ignore_rules returns [] for None
    kind = desired.get("kind")
    if kind == "Service":
        return _keep_selector(desired, live)
    if kind == "HTTPRoute":
        return _keep_route(desired, live)
    return desired


def _keep_selector(desired: dict[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
    value = ((live.get("spec") or {}).get("selector") or {}).get(HASH_LABEL)
    spec = desired.get("spec")
    if value is None or not isinstance(spec, Mapping) or not spec.get("selector"):
        return desired
    return {**desired, "spec": {**spec, "selector": {**spec["selector"], HASH_LABEL: value}}}


def _keep_route(desired: dict[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
    spec = desired.get("spec")
    live_rules = [r for r in (live.get("spec") or {}).get("rules") or [] if isinstance(r, Mapping)]
    if not isinstance(spec, Mapping) or not live_rules:
        return desired
    managed = [r for r in live_rules if str(r.get("name") or "").startswith(RULE_PREFIX)]
    written = [r for r in live_rules if not str(r.get("name") or "").startswith(RULE_PREFIX)]
    rules = [r for r in spec.get("rules") or [] if isinstance(r, Mapping)]
    # Rules are matched by position (the rollout keeps Git's rules in Git's order); a weight
    # is carried over only to a backendRef naming the same Service as the live one.
    kept = [
        _with_weights(rule, written[index]) if index < len(written) else dict(rule)
        for index, rule in enumerate(rules)
    ]
    return {**desired, "spec": {**spec, "rules": [*managed, *kept]}}


def _with_weights(rule: Mapping[str, Any], live_rule: Mapping[str, Any]) -> dict[str, Any]:
    weights = {
        ref.get("name"): ref["weight"]
        for ref in live_rule.get("backendRefs") or []
        if isinstance(ref, Mapping) and "weight" in ref
    }
    refs = [
        {**ref, "weight": weights[ref.get("name")]}
        if isinstance(ref, Mapping) and ref.get("name") in weights
        else ref
        for ref in rule.get("backendRefs") or []
    ]
    return {**rule, "backendRefs": refs} if "backendRefs" in rule else dict(rule)
