"""The pure parts of the Kubernetes target: HTTPRoute rule edits and the router a Rollout
names. The regular expressions are checked with Python's `re`, whose syntax for what they use
agrees with RE2 (what gateways such as Envoy run)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from seaway.model.rollout import RouteMatch, StringMatch
from seaway.rollout.engine.types import HeaderRoute, Traffic
from seaway.rollout.targets.kubernetes.httproute import RouteProblem, rule_name, with_traffic
from seaway.rollout.targets.kubernetes.routing import RoutingProblem, routing


def _rules() -> list[dict[str, Any]]:
    return [
        {
            "matches": [
                {"path": {"type": "PathPrefix", "value": "/"}},
                {
                    "path": {"type": "Exact", "value": "/health"},
                    "headers": [{"name": "x-beta", "value": "old"}],
                },
            ],
            "backendRefs": [
                {"name": "stable", "port": 80, "weight": 100},
                {"name": "canary", "port": 80, "weight": 0},
            ],
        }
    ]


def _cookie(value: StringMatch) -> str:
    route = HeaderRoute("r", (RouteMatch(cookie_name="group", cookie_value=value),))
    rules = with_traffic(
        _rules(), stable="stable", canary="canary", weight=0, header_routes=[route]
    )
    (header,) = rules[0]["matches"][0]["headers"]
    assert header["name"] == "Cookie"
    assert header["type"] == "RegularExpression"
    return str(header["value"])


@pytest.mark.parametrize(
    ("value", "yes", "no"),
    [
        (
            StringMatch(exact="beta"),
            ["group=beta", "a=1; group=beta; b=2", "x=y;group=beta"],
            ["group=betas", "xgroup=beta", "group=alpha", "a=group=beta"],
        ),
        (
            StringMatch(prefix="beta"),
            ["group=beta-2", "a=1; group=betamax"],
            ["group=alpha", "group=abeta"],
        ),
        (StringMatch(regex="b[0-9]+"), ["group=b12; c=3"], ["group=bx"]),
    ],
)
def test_cookie_matches_find_one_cookie_among_others(
    value: StringMatch, yes: list[str], no: list[str]
) -> None:
    pattern = re.compile(_cookie(value))
    for header in yes:
        assert pattern.fullmatch(header), header
        assert pattern.search(header), header
    for header in no:
        assert not pattern.fullmatch(header), header
        assert not pattern.search(header), header


def test_header_route_rule_copies_each_match_and_replaces_a_same_named_header() -> None:
    route = HeaderRoute(
        "Beta Users!",
        (
            RouteMatch(header_name="X-Beta", header_value=StringMatch(exact="1")),
            RouteMatch(header_name="x-tier", header_value=StringMatch(prefix="gold.")),
        ),
    )
    rules = with_traffic(
        _rules(), stable="stable", canary="canary", weight=5, header_routes=[route]
    )
    header_rule, main = rules
    assert header_rule["name"] == "seaway-beta-users"
    first, second = header_rule["matches"]
    assert first["path"]["value"] == "/"
    assert second["path"]["value"] == "/health"
    assert second["headers"] == [
        {"type": "Exact", "name": "X-Beta", "value": "1"},
        {"type": "RegularExpression", "name": "x-tier", "value": r"^gold\..*"},
    ]
    assert header_rule["backendRefs"] == [{"name": "canary", "port": 80}]
    assert [r["weight"] for r in main["backendRefs"]] == [95, 5]
    # Applying again replaces Seaway's rule rather than adding a second one.
    again = with_traffic(rules, stable="stable", canary="canary", weight=5, header_routes=[route])
    assert again == rules
    assert with_traffic(rules, stable="stable", canary="canary", weight=0, header_routes=[]) == [
        {
            **main,
            "backendRefs": [
                {**main["backendRefs"][0], "weight": 100},
                {**main["backendRefs"][1], "weight": 0},
            ],
        }
    ]


def test_rule_names_are_valid_gateway_api_names() -> None:
    assert rule_name("Beta_Users") == "seaway-beta-users"
    assert rule_name("---") == "seaway-route"
    assert re.fullmatch(
        r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", rule_name("A.b")
    )


def test_a_route_without_the_stable_service_is_refused() -> None:
    with pytest.raises(RouteProblem, match="no rule has a backendRef to the stableService 'web'"):
        with_traffic(_rules(), stable="web", canary="canary", weight=10, header_routes=[])


def _rollout(routing_spec: dict[str, Any] | None) -> dict[str, Any]:
    canary: dict[str, Any] = {"stableService": "s", "canaryService": "c"}
    if routing_spec is not None:
        canary["trafficRouting"] = routing_spec
    return {
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"strategy": {"canary": canary}},
    }


def test_routers_on_kubernetes() -> None:
    traffic = Traffic("s1", None, 0)
    plain = routing(_rollout(None), traffic)
    assert plain.services == (("s", "s1"), ("c", "s1"))
    assert plain.http_routes == ()
    assert routing(_rollout({"seaway": {"router": "service"}}), traffic).http_routes == ()
    gateway = {"seaway": {"router": "gatewayAPI", "httpRoute": "web"}}
    assert routing(_rollout(gateway), traffic).http_routes == ("web",)
    # Argo Rollouts' Gateway API plugin configuration works as written.
    plugin = {"plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "argo-route"}}}
    assert routing(_rollout(plugin), traffic).http_routes == ("argo-route",)

    with pytest.raises(
        RoutingProblem, match=r"Rollout shop/web: .*seaway\.router: the local router"
    ):
        routing(_rollout({"seaway": {"router": "local"}}), traffic)
    with pytest.raises(RoutingProblem, match=r"trafficRouting\.istio: Seaway does not run"):
        routing(_rollout({"istio": {"virtualService": {"name": "x"}}}), traffic)
    with pytest.raises(RoutingProblem, match="no router given"):
        routing(_rollout({"managedRoutes": [{"name": "a"}]}), traffic)
