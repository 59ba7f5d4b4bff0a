"""Traffic on the real API server: Service selectors for blue/green and canary, weights and
header-route rules in a Gateway API HTTPRoute (Gateway API's own CRD, so the server validates
every write), and none of it read as drift of the Application that deployed those objects."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from seaway.cluster.kubernetes import KubeError
from seaway.controller.rollout_fields import rollout_ignore_rules
from seaway.diff import diff
from seaway.model.rollout import RouteMatch, StringMatch
from seaway.model.tracking import stamp
from seaway.rollout.engine.types import HASH_LABEL, Desired, HeaderRoute, Traffic
from seaway.rollout.ownership import MANAGER
from seaway.rollout.targets.kubernetes.routing import RoutingProblem
from tests.rollout.kubernetes.conftest import (
    ROUTE_API,
    Cluster,
    http_route,
    rollout,
    service,
)

pytestmark = [pytest.mark.kube, pytest.mark.anyio]

BLUE_GREEN = {"blueGreen": {"activeService": "web-active", "previewService": "web-preview"}}


def gateway_canary(route: str = "web") -> dict[str, Any]:
    return {
        "canary": {
            "stableService": "web-stable",
            "canaryService": "web-canary",
            "trafficRouting": {
                "managedRoutes": [{"name": "Beta Users"}],
                "seaway": {"router": "gatewayAPI", "httpRoute": route},
            },
            "steps": [{"setWeight": 20}],
        }
    }


async def from_git(cluster: Cluster, obj: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply an object the way the Application's sync does; the desired and the live copy."""
    placed = copy.deepcopy(obj)
    placed["metadata"]["namespace"] = cluster.namespace
    desired = stamp("shop", placed)
    live = await cluster.rest.apply(desired)
    return desired, live


async def no_drift(cluster: Cluster, desired: dict[str, Any]) -> None:
    """What the Application's Comparer concludes: the plain diff, and the server-side dry-run
    of the sync's own apply that confirms it."""
    meta = desired["metadata"]
    live = await cluster.rest.get(
        desired["apiVersion"], desired["kind"], meta["name"], meta["namespace"]
    )
    assert live is not None
    rules = rollout_ignore_rules(live)
    plain = diff(desired, live, ignore=rules)
    assert not plain.modified, plain.changes
    predicted = await cluster.rest.apply(desired, dry_run=True)
    exact = diff(predicted, live, ignore=rules)
    assert not exact.modified, exact.changes


async def test_blue_green_switches_service_selectors_without_drift(cluster: Cluster) -> None:
    active, _ = await from_git(cluster, service("web-active"))
    preview, _ = await from_git(cluster, service("web-preview"))
    ro = await cluster.create(rollout(BLUE_GREEN))

    await cluster.target.apply(ro, Desired({}, Traffic(active_hash="aaaa", preview_hash="bbbb")))
    live_active = await cluster.get("v1", "Service", "web-active")
    live_preview = await cluster.get("v1", "Service", "web-preview")
    assert live_active["spec"]["selector"] == {"app": "web", HASH_LABEL: "aaaa"}
    assert live_preview["spec"]["selector"] == {"app": "web", HASH_LABEL: "bbbb"}
    assert live_active["spec"]["ports"][0]["port"] == 80
    owners = {m["manager"] for m in live_active["metadata"]["managedFields"]}
    assert MANAGER in owners
    await no_drift(cluster, active)
    await no_drift(cluster, preview)

    # Promotion: both Services on the new hash.
    await cluster.target.apply(ro, Desired({}, Traffic(active_hash="bbbb")))
    for name in ("web-active", "web-preview"):
        live = await cluster.get("v1", "Service", name)
        assert live["spec"]["selector"] == {"app": "web", HASH_LABEL: "bbbb"}
    await no_drift(cluster, active)

    # A selector change in Git is still drift while the rollout runs.
    changed = copy.deepcopy(active)
    changed["spec"]["selector"] = {"app": "shop"}
    live = await cluster.get("v1", "Service", "web-active")
    verdict = diff(changed, live, ignore=rollout_ignore_rules(live))
    assert [c.path for c in verdict.changes] == ["/spec/selector/app"]


async def test_canary_without_router_points_services_at_their_hashes(cluster: Cluster) -> None:
    await from_git(cluster, service("web-stable"))
    await from_git(cluster, service("web-canary"))
    strategy = {"canary": {"stableService": "web-stable", "canaryService": "web-canary"}}
    ro = await cluster.create(rollout(strategy))

    # No canary yet: the canary Service selects the stable pods, as in Argo Rollouts.
    await cluster.target.apply(ro, Desired({}, Traffic(stable_hash="s1")))
    canary = await cluster.get("v1", "Service", "web-canary")
    assert canary["spec"]["selector"][HASH_LABEL] == "s1"
    await cluster.target.apply(ro, Desired({}, Traffic("s1", "c2", 40)))
    canary = await cluster.get("v1", "Service", "web-canary")
    stable = await cluster.get("v1", "Service", "web-stable")
    assert canary["spec"]["selector"] == {"app": "web", HASH_LABEL: "c2"}
    assert stable["spec"]["selector"] == {"app": "web", HASH_LABEL: "s1"}


def _main_rule() -> dict[str, Any]:
    return {
        "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
        "backendRefs": [
            {"name": "web-stable", "port": 80, "weight": 100},
            {"name": "web-canary", "port": 80, "weight": 0},
        ],
    }


def _other_rule() -> dict[str, Any]:
    return {
        "name": "admin",
        "matches": [{"path": {"type": "PathPrefix", "value": "/admin"}}],
        "backendRefs": [{"name": "admin", "port": 8080}],
    }


def _weights(rule: dict[str, Any]) -> dict[str, int]:
    return {ref["name"]: ref["weight"] for ref in rule["backendRefs"]}


async def test_http_route_weights_and_header_rules_without_drift(cluster: Cluster) -> None:
    for name in ("web-stable", "web-canary"):
        await from_git(cluster, service(name))
    route, _ = await from_git(cluster, http_route("web", [_main_rule(), _other_rule()]))
    untouched = (await cluster.get(ROUTE_API, "HTTPRoute", "web"))["spec"]["rules"][1]
    ro = await cluster.create(rollout(gateway_canary()))

    beta = HeaderRoute(
        "Beta Users",
        (
            RouteMatch(header_name="X-Beta", header_value=StringMatch(exact="true")),
            RouteMatch(cookie_name="group", cookie_value=StringMatch(prefix="beta")),
        ),
    )
    await cluster.target.apply(ro, Desired({}, Traffic("s1", "c2", 20, (beta,))))
    rules = (await cluster.get(ROUTE_API, "HTTPRoute", "web"))["spec"]["rules"]
    assert [r.get("name") for r in rules] == ["seaway-beta-users", None, "admin"]
    header_rule, main, other = rules
    assert _weights(main) == {"web-stable": 80, "web-canary": 20}
    assert other == untouched
    assert [ref["name"] for ref in header_rule["backendRefs"]] == ["web-canary"]
    (match,) = header_rule["matches"]
    assert match["path"] == {"type": "PathPrefix", "value": "/"}
    by_name = {h["name"]: h for h in match["headers"]}
    assert by_name["X-Beta"] == {"type": "Exact", "name": "X-Beta", "value": "true"}
    assert by_name["Cookie"]["type"] == "RegularExpression"
    await no_drift(cluster, route)
    # Without the rollout's rules, the weights and the header rule would read as drift.
    live = await cluster.get(ROUTE_API, "HTTPRoute", "web")
    assert diff(route, live).modified

    # Abort (or completion): every request to stable, the header rule gone, the rest as it was.
    await cluster.target.apply(ro, Desired({}, Traffic(stable_hash="s1")))
    rules = (await cluster.get(ROUTE_API, "HTTPRoute", "web"))["spec"]["rules"]
    assert [r.get("name") for r in rules] == [None, "admin"]
    assert _weights(rules[0]) == {"web-stable": 100, "web-canary": 0}
    assert rules[1] == untouched
    await no_drift(cluster, route)
    canary = await cluster.get("v1", "Service", "web-canary")
    assert canary["spec"]["selector"][HASH_LABEL] == "s1"


async def test_route_errors_name_the_object_and_field(cluster: Cluster) -> None:
    for name in ("web-stable", "web-canary"):
        await from_git(cluster, service(name))
    missing = await cluster.create(rollout(gateway_canary("absent")))
    with pytest.raises(KubeError, match="HTTPRoute absent not found"):
        await cluster.target.apply(missing, Desired({}, Traffic("s1", "c2", 10)))

    only_stable = _main_rule()
    only_stable["backendRefs"] = only_stable["backendRefs"][:1]
    await from_git(cluster, http_route("web", [only_stable]))
    ro = await cluster.create(rollout(gateway_canary()))
    with pytest.raises(ValueError, match=r"HTTPRoute web: .*no backendRef to the canaryService"):
        await cluster.target.apply(ro, Desired({}, Traffic("s1", "c2", 10)))

    local = gateway_canary()
    local["canary"]["trafficRouting"]["seaway"] = {"router": "local"}
    ro = await cluster.create(rollout(local))
    with pytest.raises(RoutingProblem, match=r"trafficRouting\.seaway\.router: the local router"):
        await cluster.target.apply(ro, Desired({}, Traffic("s1", "c2", 10)))

    no_service = await cluster.create(rollout(BLUE_GREEN))
    with pytest.raises(KubeError, match="Service web-active not found"):
        await cluster.target.apply(no_service, Desired({}, Traffic(active_hash="a")))
