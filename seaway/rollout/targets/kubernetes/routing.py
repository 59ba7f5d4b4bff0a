"""Which Services and routes carry a Rollout's traffic on Kubernetes, read from its strategy.

Blue/green points the activeService and previewService at their hashes. Canary points the
stableService and canaryService at theirs (the canaryService at the stable hash while there is
no canary, as Argo Rollouts does) and, with the gatewayAPI router, also sets the weights of an
HTTPRoute. Without a router, or with the `service` router, the weight is the replica ratio: the
Services select by hash and a Service over both sets balances by replica count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from seaway.rollout.engine.types import Traffic

# Argo Rollouts' Gateway API plugin, whose configuration Seaway reads as its own router's.
GATEWAY_PLUGIN = "argoproj-labs/gatewayAPI"
_ARGO_ROUTERS = ("istio", "nginx", "alb", "smi", "ambassador", "apisix", "traefik")


class RoutingProblem(ValueError):
    """A Rollout whose traffic Seaway cannot route on Kubernetes; names the field."""


@dataclass(frozen=True)
class Routing:
    blue_green: bool
    # Service name -> the hash it selects (blue/green: active, preview; canary: stable, canary).
    services: tuple[tuple[str, str], ...]
    stable_service: str = ""
    canary_service: str = ""
    http_routes: tuple[str, ...] = ()


def routing(rollout: Mapping[str, Any], traffic: Traffic) -> Routing:
    strategy = (rollout.get("spec") or {}).get("strategy") or {}
    where = _name(rollout)
    if strategy.get("blueGreen") is not None:
        bg = strategy["blueGreen"] or {}
        active = traffic.active_hash
        preview = traffic.preview_hash or active
        pairs = [(bg.get("activeService", ""), active), (bg.get("previewService", ""), preview)]
        return Routing(True, _selected(pairs))
    canary = strategy.get("canary")
    if canary is None:
        return Routing(False, ())
    stable_hash = traffic.stable_hash
    canary_hash = traffic.canary_hash or stable_hash
    stable, canary_svc = canary.get("stableService", ""), canary.get("canaryService", "")
    pairs = [(stable, stable_hash), (canary_svc, canary_hash)]
    routes = _http_routes(canary.get("trafficRouting"), where)
    return Routing(False, _selected(pairs), stable, canary_svc, routes)


def _name(rollout: Mapping[str, Any]) -> str:
    meta = rollout.get("metadata") or {}
    return f"Rollout {meta.get('namespace', '')}/{meta.get('name', '')}"


def _selected(pairs: list[tuple[str, str | None]]) -> tuple[tuple[str, str], ...]:
    return tuple((svc, h) for svc, h in pairs if svc and h)


def _http_routes(given: Mapping[str, Any] | None, where: str) -> tuple[str, ...]:
    """The HTTPRoutes to weight; () for replica-ratio routing."""
    if given is None:
        return ()
    field = "spec.strategy.canary.trafficRouting"
    seaway = given.get("seaway")
    if seaway is not None:
        router = seaway.get("router", "local")
        if router == "local":
            raise RoutingProblem(
                f"{where}: {field}.seaway.router: the local router runs only on the local "
                "backend; on Kubernetes use router: service or router: gatewayAPI"
            )
        if router == "gatewayAPI":
            return (str(seaway.get("httpRoute", "")),)
        return ()
    plugin = (given.get("plugins") or {}).get(GATEWAY_PLUGIN)
    if plugin is not None:
        named = [plugin.get("httpRoute")] + [r.get("name") for r in plugin.get("httpRoutes") or []]
        routes = tuple(str(n) for n in named if n)
        if not routes:
            raise RoutingProblem(f"{where}: {field}.plugins.{GATEWAY_PLUGIN}: no httpRoute given")
        return routes
    others = [name for name in _ARGO_ROUTERS if given.get(name) is not None]
    if others:
        raise RoutingProblem(
            f"{where}: {field}.{others[0]}: Seaway does not run this router; use "
            "trafficRouting.seaway (router: service or gatewayAPI)"
        )
    raise RoutingProblem(
        f"{where}: {field}: no router given; set seaway.router to service or gatewayAPI"
    )
