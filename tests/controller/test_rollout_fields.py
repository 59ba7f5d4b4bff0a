"""What an Application's sync keeps of a rollout's traffic on objects Git also describes."""

from __future__ import annotations

from typing import Any

from seaway.controller.rollout_fields import keep_rollout_fields
from seaway.rollout.engine.types import HASH_LABEL
from seaway.rollout.ownership import MANAGER

ROUTE = "gateway.networking.k8s.io/v1"


def _live(kind: str, spec: dict[str, Any], manager: str = MANAGER) -> dict[str, Any]:
    return {
        "apiVersion": ROUTE if kind == "HTTPRoute" else "v1",
        "kind": kind,
        "metadata": {"name": "web", "managedFields": [{"manager": manager}]},
        "spec": spec,
    }


def _refs(stable: int | None, canary: int | None) -> list[dict[str, Any]]:
    refs: list[dict[str, Any]] = [{"name": "web-stable"}, {"name": "web-canary"}]
    for ref, weight in zip(refs, (stable, canary), strict=True):
        if weight is not None:
            ref["weight"] = weight
    return refs


def test_a_service_keeps_the_rollouts_hash_only_where_the_rollout_wrote() -> None:
    git = {"apiVersion": "v1", "kind": "Service", "spec": {"selector": {"app": "web"}}}
    live_selector = {"app": "web", HASH_LABEL: "abc"}
    kept = keep_rollout_fields(git, _live("Service", {"selector": live_selector}))
    assert kept["spec"]["selector"] == {"app": "web", HASH_LABEL: "abc"}
    assert git["spec"]["selector"] == {"app": "web"}  # not edited in place
    by_hand = _live("Service", {"selector": live_selector}, manager="kubectl")
    assert keep_rollout_fields(git, by_hand) is git


def test_a_route_keeps_weights_and_header_rules_and_takes_gits_other_changes() -> None:
    header = {"name": "seaway-beta", "backendRefs": [{"name": "web-canary"}]}
    live = _live("HTTPRoute", {"rules": [header, {"backendRefs": _refs(70, 30)}]})
    git_rules = [
        {"matches": [{"path": {"value": "/api"}}], "backendRefs": _refs(100, 0)},
        {"backendRefs": [{"name": "docs"}]},  # a rule Git adds
    ]
    git = {"apiVersion": ROUTE, "kind": "HTTPRoute", "spec": {"rules": git_rules}}
    kept = keep_rollout_fields(git, live)
    assert kept["spec"]["rules"] == [
        header,
        {"matches": [{"path": {"value": "/api"}}], "backendRefs": _refs(70, 30)},
        {"backendRefs": [{"name": "docs"}]},
    ]
