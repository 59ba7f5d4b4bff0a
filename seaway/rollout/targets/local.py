"""Rollouts on the local backend: replica sets as supervised processes, traffic on its router.

Blue/green points the active and preview Services at one hash each; a canary's stable Service
splits its requests between a "stable" and a "canary" backend group by weight and by header or
cookie routes, and its canary Service selects the canary's pods. All of it is an overlay the
runtime keeps beside the Services, never a change of the stored objects.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from typing import Any

from seaway.cluster.local.backend import LocalBackend
from seaway.cluster.local.metrics import ListenerSnapshot
from seaway.cluster.local.replicasets import ReplicaSet, RouteGroup, ServiceOverlay
from seaway.cluster.local.routing import CookieMatch, HeaderMatch, MatchKind, Rule
from seaway.model.rollout import RouteMatch, StringMatch
from seaway.rollout.engine.types import (
    HASH_LABEL,
    Command,
    Desired,
    HeaderRoute,
    ReplicaSetState,
    Traffic,
)

API_VERSION = "argoproj.io/v1alpha1"
STABLE_GROUP = "stable"
CANARY_GROUP = "canary"
_COMMANDS = frozenset(c.value for c in Command)


def _meta(rollout: Mapping[str, Any]) -> tuple[str, str]:
    meta = rollout.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


def _string_match(match: StringMatch) -> tuple[str, MatchKind]:
    if match.exact is not None:
        return match.exact, MatchKind.EXACT
    if match.prefix is not None:
        return match.prefix, MatchKind.PREFIX
    return match.regex or "", MatchKind.REGEX


def _rule(route: HeaderRoute) -> Rule | None:
    """A managed route as a router rule to the canary group; None for a route without matches."""
    headers: list[HeaderMatch] = []
    cookies: list[CookieMatch] = []
    for match in route.matches:
        headers_or_cookies = _one_match(match)
        if isinstance(headers_or_cookies, HeaderMatch):
            headers.append(headers_or_cookies)
        elif headers_or_cookies is not None:
            cookies.append(headers_or_cookies)
    if not headers and not cookies:
        return None
    return Rule(CANARY_GROUP, tuple(headers), tuple(cookies))


def _one_match(match: RouteMatch) -> HeaderMatch | CookieMatch | None:
    if match.cookie_name and match.cookie_value is not None:
        value, kind = _string_match(match.cookie_value)
        return CookieMatch(match.cookie_name, value, kind)
    if match.header_name and match.header_value is not None:
        value, kind = _string_match(match.header_value)
        return HeaderMatch(match.header_name, value, kind)
    return None


def overlays(strategy: Mapping[str, Any], traffic: Traffic) -> dict[str, ServiceOverlay | None]:
    """What each Service the strategy names should route by; None: as written."""
    blue_green = strategy.get("blueGreen")
    if isinstance(blue_green, Mapping):
        return _blue_green(blue_green, traffic)
    canary = strategy.get("canary")
    if isinstance(canary, Mapping):
        return _canary(canary, traffic)
    return {}


def _on_hash(hash_: str | None) -> ServiceOverlay | None:
    return None if hash_ is None else ServiceOverlay(selector={HASH_LABEL: hash_})


def _blue_green(spec: Mapping[str, Any], traffic: Traffic) -> dict[str, ServiceOverlay | None]:
    out: dict[str, ServiceOverlay | None] = {}
    if spec.get("activeService"):
        out[str(spec["activeService"])] = _on_hash(traffic.active_hash)
    if spec.get("previewService"):
        out[str(spec["previewService"])] = _on_hash(traffic.preview_hash or traffic.active_hash)
    return out


def _canary(spec: Mapping[str, Any], traffic: Traffic) -> dict[str, ServiceOverlay | None]:
    out: dict[str, ServiceOverlay | None] = {}
    if spec.get("canaryService"):
        out[str(spec["canaryService"])] = _on_hash(traffic.canary_hash or traffic.stable_hash)
    stable_service = spec.get("stableService")
    if not stable_service:
        return out
    if traffic.stable_hash is None and traffic.canary_hash is None:
        out[str(stable_service)] = None
        return out
    weight = traffic.canary_weight if traffic.canary_hash else 0
    groups = []
    if traffic.stable_hash is not None:
        groups.append(RouteGroup(STABLE_GROUP, {HASH_LABEL: traffic.stable_hash}, 100 - weight))
    rules: tuple[Rule, ...] = ()
    if traffic.canary_hash is not None:
        groups.append(RouteGroup(CANARY_GROUP, {HASH_LABEL: traffic.canary_hash}, weight))
        rules = tuple(r for r in map(_rule, traffic.header_routes) if r is not None)
    out[str(stable_service)] = ServiceOverlay(groups=tuple(groups), rules=rules)
    return out


class LocalRolloutTarget:
    """`RolloutTarget` on a running `LocalBackend`."""

    def __init__(self, backend: LocalBackend) -> None:
        self.backend = backend

    def router_snapshot(self, service: str) -> ListenerSnapshot:
        """The router's numbers for a Service: "namespace/name:port" names one listener exactly;
        "namespace/name" or a bare "name" takes the Service's first port. KeyError if none."""
        router = self.backend.router
        snapshots = router.snapshot()
        if service in snapshots:
            return snapshots[service]
        for listener, snapshot in sorted(snapshots.items()):
            qualified = listener.rpartition(":")[0]
            if service in (qualified, qualified.partition("/")[2]):
                return snapshot
        raise KeyError(service)

    async def rollouts(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(obj) for obj in self.backend.objects_of("argoproj.io", "Rollout")]

    async def observe(self, rollout: Mapping[str, Any]) -> dict[str, ReplicaSetState]:
        namespace, name = _meta(rollout)
        wanted = {s.hash: s.replicas for s in self.backend.replica_sets(namespace, name)}
        return {
            hash_: ReplicaSetState(hash_, counts.replicas, counts.available)
            for hash_, counts in self.backend.set_counts(namespace, name).items()
            if counts.replicas or wanted.get(hash_)
        }

    async def apply(self, rollout: Mapping[str, Any], desired: Desired) -> None:
        namespace, name = _meta(rollout)
        spec = rollout.get("spec") or {}
        for service, overlay in overlays(spec.get("strategy") or {}, desired.traffic).items():
            routed = None if overlay is None else dataclasses.replace(overlay, owner=name)
            await self.backend.set_overlay(namespace, service, routed)
        min_ready = float(spec.get("minReadySeconds") or 0)
        for old in self.backend.replica_sets(namespace, name):
            if old.hash not in desired.scale and old.replicas:
                self.backend.scale_set(dataclasses.replace(old, replicas=0))
        for hash_, replicas in desired.scale.items():
            owned = self.backend.replica_set(namespace, name, hash_)
            if owned is None and not replicas:
                continue
            if owned is None:
                # A hash with no set yet can only be the Rollout's template as it is now.
                template = copy.deepcopy(spec.get("template") or {})
                owned = ReplicaSet(namespace, name, hash_, template, 0)
            self.backend.scale_set(
                dataclasses.replace(owned, replicas=replicas, min_ready_seconds=min_ready)
            )

    async def write_status(self, rollout: Mapping[str, Any], status: Mapping[str, Any]) -> None:
        self.backend.write_status(rollout, copy.deepcopy(dict(status)))

    async def analysis_template(
        self, namespace: str, name: str, *, cluster_scope: bool
    ) -> dict[str, Any] | None:
        kind = "ClusterAnalysisTemplate" if cluster_scope else "AnalysisTemplate"
        found = await self.backend.get(
            API_VERSION, kind, name, None if cluster_scope else namespace
        )
        return copy.deepcopy(found) if found is not None else None

    async def give_command(self, namespace: str, name: str, command: Command) -> None:
        self.backend.state.give_command(namespace, name, command.value)

    async def take_commands(self, rollout: Mapping[str, Any]) -> list[Command]:
        namespace, name = _meta(rollout)
        return [
            Command(text)
            for text in self.backend.state.take_commands(namespace, name)
            if text in _COMMANDS
        ]
