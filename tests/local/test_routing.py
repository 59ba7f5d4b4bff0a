"""The pure routing decision: rules, weights, round-robin, validation."""

from __future__ import annotations

from collections import Counter

import pytest

from seaway.cluster.local.routing import (
    BackendGroup,
    CookieMatch,
    Endpoint,
    HeaderMatch,
    MatchKind,
    RoutingTable,
    Rule,
    Selector,
    parse_cookies,
    with_weights,
)

A = Endpoint("127.0.0.1", 9001)
B = Endpoint("127.0.0.1", 9002)
C = Endpoint("127.0.0.1", 9003)


def table(stable: int, canary: int, *rules: Rule) -> RoutingTable:
    return RoutingTable(
        (BackendGroup("stable", (A, B), stable), BackendGroup("canary", (C,), canary)), rules
    )


def picks(selector: Selector, n: int, headers: list[tuple[str, str]] | None = None) -> Counter[str]:
    counts: Counter[str] = Counter()
    for _ in range(n):
        group = selector.choose(headers or [])
        counts[group.name if group else "none"] += 1
    return counts


@pytest.mark.parametrize(("stable", "canary"), [(90, 10), (80, 20), (50, 50), (1, 3), (95, 5)])
def test_weights_split_exactly_per_cycle(stable: int, canary: int) -> None:
    total = stable + canary
    counts = picks(Selector(table(stable, canary)), total * 10)
    assert counts == {"stable": stable * 10, "canary": canary * 10}


def test_weighted_picks_interleave() -> None:
    selector = Selector(table(3, 1))
    order = [g.name for g in (selector.choose([]) for _ in range(8)) if g]
    # Smooth: one canary in every four requests, not the canary's share in a burst.
    assert order == ["stable", "stable", "canary", "stable"] * 2


def test_zero_weight_group_gets_no_traffic_and_all_zero_gives_none() -> None:
    assert picks(Selector(table(100, 0)), 50) == {"stable": 50}
    assert picks(Selector(table(0, 0)), 3) == {"none": 3}


@pytest.mark.parametrize(
    ("match", "value", "expected"),
    [
        (HeaderMatch("X-Canary", "yes"), "yes", "canary"),
        (HeaderMatch("X-Canary", "yes"), "yes please", "stable"),
        (HeaderMatch("X-Canary", "yes"), "YES", "stable"),
        (HeaderMatch("x-canary", "be", MatchKind.PREFIX), "beta-7", "canary"),
        (HeaderMatch("x-canary", "be", MatchKind.PREFIX), "alpha", "stable"),
        (HeaderMatch("x-canary", r"user-\d+", MatchKind.REGEX), "user-42", "canary"),
        (HeaderMatch("x-canary", r"user-\d+", MatchKind.REGEX), "user-42x", "stable"),
    ],
)
def test_header_rules(match: HeaderMatch, value: str, expected: str) -> None:
    selector = Selector(table(100, 0, Rule("canary", headers=(match,))))
    group = selector.choose([("x-canary", value)])
    assert group is not None
    assert group.name == expected


def test_any_value_of_a_repeated_header_matches() -> None:
    selector = Selector(table(100, 0, Rule("canary", headers=(HeaderMatch("x-g", "b"),))))
    group = selector.choose([("x-g", "a"), ("x-g", "b")])
    assert group is not None
    assert group.name == "canary"


def test_cookie_rules() -> None:
    rule = Rule("canary", cookies=(CookieMatch("group", "beta"),))
    selector = Selector(table(100, 0, rule))

    def route(cookie: str) -> str:
        group = selector.choose([("cookie", cookie)])
        assert group is not None
        return group.name

    assert route("session=1; group=beta") == "canary"
    assert route('group="beta"') == "canary"
    assert route("group=betamax") == "stable"
    assert route("Group=beta") == "stable"
    assert route("xgroup=beta") == "stable"
    assert route("garbage; ;=; group=beta") == "canary"


def test_rule_needs_all_matches_and_first_rule_wins() -> None:
    both = Rule("canary", headers=(HeaderMatch("x-a", "1"),), cookies=(CookieMatch("c", "1"),))
    fallback = Rule("stable", headers=(HeaderMatch("x-a", "1"),))
    selector = Selector(table(0, 100, both, fallback))
    only_header = selector.choose([("x-a", "1")])
    with_cookie = selector.choose([("x-a", "1"), ("cookie", "c=1")])
    assert only_header is not None
    assert only_header.name == "stable"
    assert with_cookie is not None
    assert with_cookie.name == "canary"


def test_parse_cookies_over_several_headers() -> None:
    cookies = parse_cookies([("cookie", "a=1; b=2"), ("cookie", "a=3"), ("x", "a=9")])
    assert cookies == {"a": ["1", "3"], "b": ["2"]}


def test_endpoints_round_robin_with_fallback_order() -> None:
    selector = Selector(table(1, 0))
    stable = selector.table.group("stable")
    assert selector.endpoints(stable) == [A, B]
    assert selector.endpoints(stable) == [B, A]
    assert selector.endpoints(stable) == [A, B]
    assert selector.endpoints(BackendGroup("empty")) == []


def test_round_robin_cursor_survives_a_table_swap() -> None:
    first = Selector(table(1, 0))
    stable = first.table.group("stable")
    assert first.endpoints(stable) == [A, B]
    second = Selector(table(1, 1), previous=first)
    assert second.endpoints(second.table.group("stable")) == [B, A]


def test_with_weights_changes_only_weights() -> None:
    rule = Rule("canary", headers=(HeaderMatch("x", "1"),))
    changed = with_weights(table(100, 0, rule), {"canary": 25, "stable": 75})
    assert [(g.name, g.weight, g.endpoints) for g in changed.groups] == [
        ("stable", 75, (A, B)),
        ("canary", 25, (C,)),
    ]
    assert changed.rules == (rule,)
    with pytest.raises(KeyError):
        with_weights(changed, {"blue": 1})


def test_invalid_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="repeat"):
        RoutingTable((BackendGroup("a"), BackendGroup("a")))
    with pytest.raises(ValueError, match="unknown group 'b'"):
        RoutingTable((BackendGroup("a"),), (Rule("b", headers=(HeaderMatch("x", "1"),)),))
    with pytest.raises(ValueError, match="no header or cookie match"):
        Rule("a")
    with pytest.raises(ValueError, match="negative"):
        BackendGroup("a", (), -1)
    with pytest.raises(ValueError, match="invalid regular expression"):
        HeaderMatch("x", "(", MatchKind.REGEX)


def test_endpoint_parse() -> None:
    assert Endpoint.parse("127.0.0.1:8080") == Endpoint("127.0.0.1", 8080)
    assert Endpoint.parse("[::1]:80") == Endpoint("::1", 80)
    assert str(Endpoint("::1", 80)) == "[::1]:80"
    for bad in ("localhost", "h:0", "h:x", ":80"):
        with pytest.raises(ValueError, match="host:port"):
            Endpoint.parse(bad)
