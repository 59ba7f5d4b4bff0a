"""Pure: a Rollout's replica sets and the Service overlays a rollout sets on the local backend.

A rollout runs one set of replicas per pod-template hash; the rollout driver decides how many
each gets. Services stay as written: what a rollout changes about them (which hash a blue/green
Service selects, how the canary's traffic is split) is an overlay kept beside the object, so the
stored Service never differs from Git and never reads as drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from seaway.cluster.local.routing import CookieMatch, HeaderMatch, MatchKind, Rule

# Argo Rollouts' label for a pod template's replicas (seaway.rollout names it too: the cluster
# package does not import rollout).
HASH_LABEL = "rollouts-pod-template-hash"


@dataclass(frozen=True)
class ReplicaSet:
    """The replicas one Rollout wants of one pod template."""

    namespace: str
    owner: str
    hash: str
    # Kept per hash: an old stable's template must outlive updates of the Rollout object.
    template: Mapping[str, Any]
    replicas: int
    min_ready_seconds: float = 0.0

    @property
    def labels(self) -> dict[str, str]:
        """Its pods' labels: the template's and the hash."""
        meta = self.template.get("metadata") or {}
        return {**(meta.get("labels") or {}), HASH_LABEL: self.hash}

    def to_dict(self) -> dict[str, Any]:
        return {
            "template": dict(self.template),
            "replicas": self.replicas,
            "minReadySeconds": self.min_ready_seconds,
        }

    @classmethod
    def from_dict(
        cls, namespace: str, owner: str, hash_: str, body: Mapping[str, Any]
    ) -> ReplicaSet:
        return cls(
            namespace,
            owner,
            hash_,
            dict(body.get("template") or {}),
            int(body.get("replicas", 0)),
            float(body.get("minReadySeconds", 0.0)),
        )


@dataclass(frozen=True)
class SetCounts:
    """A replica set as it runs: pods started (not terminating), Ready, and Ready for at least
    minReadySeconds (available)."""

    replicas: int
    ready: int
    available: int


@dataclass(frozen=True)
class RouteGroup:
    """A backend group of a Service's listener: the pods its selector adds to the Service's."""

    name: str
    selector: Mapping[str, str]
    weight: int


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class ServiceOverlay:
    """What a rollout sets on a Service. `selector` is added to the Service's own selector;
    `groups`, when given, replace the single group of all selected pods with weighted groups, and
    `rules` send matching requests to a group whatever the weights."""

    selector: Mapping[str, str] = field(default_factory=_empty)
    groups: tuple[RouteGroup, ...] = ()
    rules: tuple[Rule, ...] = ()
    # The Rollout that set it: the overlay goes when the Rollout does.
    owner: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "selector": dict(self.selector),
            "groups": [
                {"name": g.name, "selector": dict(g.selector), "weight": g.weight}
                for g in self.groups
            ],
            "rules": [_rule_to_dict(rule) for rule in self.rules],
            "owner": self.owner,
        }

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> ServiceOverlay:
        return cls(
            dict(body.get("selector") or {}),
            tuple(
                RouteGroup(str(g["name"]), dict(g.get("selector") or {}), int(g["weight"]))
                for g in body.get("groups") or []
            ),
            tuple(_rule_from_dict(rule) for rule in body.get("rules") or []),
            str(body.get("owner") or ""),
        )


def _rule_to_dict(rule: Rule) -> dict[str, Any]:
    return {
        "group": rule.group,
        "headers": [{"name": m.name, "value": m.value, "kind": m.kind.value} for m in rule.headers],
        "cookies": [{"name": m.name, "value": m.value, "kind": m.kind.value} for m in rule.cookies],
    }


def _rule_from_dict(body: Mapping[str, Any]) -> Rule:
    return Rule(
        str(body["group"]),
        tuple(
            HeaderMatch(m["name"], m["value"], MatchKind(m["kind"]))
            for m in body.get("headers", [])
        ),
        tuple(
            CookieMatch(m["name"], m["value"], MatchKind(m["kind"]))
            for m in body.get("cookies", [])
        ),
    )


def selects(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())
