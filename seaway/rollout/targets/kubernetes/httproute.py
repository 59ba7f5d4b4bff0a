"""Canary traffic in a Gateway API HTTPRoute: pure edits of its rules.

Weights go on the backendRefs that point at the stable and canary Services, in every rule that
names the stable Service (such a rule must name the canary Service too). A header route becomes
one rule of its own, named `seaway-<route>`, that copies a managed rule's matches, adds the
header conditions and sends everything to the canary. Gateway API prefers the match with more
header conditions, so these rules win over the weighted one. Every other rule is left exactly
as it was written.

Gateway API matches headers only; a cookie condition becomes a regular-expression match on the
`Cookie` header that finds `name=value` among the cookies.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

from seaway.model.rollout import RouteMatch, StringMatch
from seaway.rollout.engine.types import HeaderRoute
from seaway.rollout.ownership import RULE_PREFIX


class RouteProblem(ValueError):
    """An HTTPRoute that cannot carry the rollout's traffic, with what is wrong in it."""


def rule_name(route: str) -> str:
    """A rule name Gateway API accepts (a DNS subdomain) for a managed route's name."""
    cleaned = re.sub(r"[^a-z0-9.-]+", "-", route.lower()).strip("-.")
    return (RULE_PREFIX + (cleaned or "route"))[:253].rstrip("-.")


def is_managed_rule(rule: Mapping[str, Any]) -> bool:
    return str(rule.get("name") or "").startswith(RULE_PREFIX)


def _points_at(ref: Mapping[str, Any], service: str) -> bool:
    return (
        ref.get("name") == service
        and ref.get("kind", "Service") == "Service"
        and ref.get("group", "") in ("", "core")
    )


def with_traffic(
    rules: Sequence[Mapping[str, Any]],
    *,
    stable: str,
    canary: str,
    weight: int,
    header_routes: Sequence[HeaderRoute],
) -> list[dict[str, Any]]:
    """The route's rules with the canary at `weight` of 100 and one rule per header route."""
    weighted = [dict(copy.deepcopy(rule)) for rule in rules if not is_managed_rule(rule)]
    base = [rule for rule in weighted if any(_points_at(r, stable) for r in _refs(rule))]
    if not base:
        raise RouteProblem(f"no rule has a backendRef to the stableService {stable!r}")
    for rule in base:
        rule["backendRefs"] = _weighted(_refs(rule), stable, canary, weight)
    headers = [_header_rule(base[0], route, canary) for route in header_routes]
    return headers + weighted


def _refs(rule: Mapping[str, Any]) -> list[dict[str, Any]]:
    refs = rule.get("backendRefs") or []
    return [dict(ref) for ref in refs if isinstance(ref, Mapping)]


def _weighted(
    refs: list[dict[str, Any]], stable: str, canary: str, weight: int
) -> list[dict[str, Any]]:
    # Both Services are written in Git, as Argo Rollouts' plugin wants them: a backendRef added
    # here would read as drift of the Application.
    if not any(_points_at(ref, canary) for ref in refs):
        raise RouteProblem(
            f"a rule sends to the stableService {stable!r} but has no backendRef to the "
            f"canaryService {canary!r}; list both (the canary with weight 0)"
        )
    for ref in refs:
        if _points_at(ref, stable):
            ref["weight"] = 100 - weight
        elif _points_at(ref, canary):
            ref["weight"] = weight
    return refs


def _header_rule(base: Mapping[str, Any], route: HeaderRoute, canary: str) -> dict[str, Any]:
    conditions = [_header_match(match) for match in route.matches]
    matches = []
    for written in base.get("matches") or [{}]:
        match = dict(copy.deepcopy(written))
        # Conditions of the same header name replace the written one; the rest are kept.
        given = {c["name"].lower() for c in conditions}
        kept = [
            h for h in match.get("headers") or [] if str(h.get("name", "")).lower() not in given
        ]
        match["headers"] = kept + conditions
        matches.append(match)
    canary_ref = next(
        (ref for ref in _refs(base) if _points_at(ref, canary)),
        {"name": canary},
    )
    rule: dict[str, Any] = {
        "name": rule_name(route.name),
        "matches": matches,
        "backendRefs": [{k: v for k, v in canary_ref.items() if k != "weight"}],
    }
    for kept_field in ("filters", "timeouts"):
        if base.get(kept_field):
            rule[kept_field] = copy.deepcopy(base[kept_field])
    return rule


def _header_match(match: RouteMatch) -> dict[str, str]:
    if match.cookie_name:
        assert match.cookie_value is not None  # noqa: S101 - RouteMatch requires it
        value = _pattern(match.cookie_value)
        # One cookie among others in the header ("a=1; group=beta; b=2"), anchored at both ends
        # so gateways that match the whole value and those that search agree.
        regex = rf"^(.*;\s*)?{re.escape(match.cookie_name)}=({value})(\s*;.*)?$"
        return {"type": "RegularExpression", "name": "Cookie", "value": regex}
    assert match.header_value is not None  # noqa: S101 - RouteMatch requires it
    written = match.header_value
    if written.exact is not None:
        return {"type": "Exact", "name": match.header_name, "value": written.exact}
    return {"type": "RegularExpression", "name": match.header_name, "value": _anchored(written)}


def _pattern(value: StringMatch) -> str:
    """The value as a regular expression fragment (for the inside of a cookie match)."""
    if value.exact is not None:
        return re.escape(value.exact)
    if value.prefix is not None:
        return re.escape(value.prefix) + "[^;]*"
    return str(value.regex)


def _anchored(value: StringMatch) -> str:
    if value.prefix is not None:
        return "^" + re.escape(value.prefix) + ".*"
    return str(value.regex)
