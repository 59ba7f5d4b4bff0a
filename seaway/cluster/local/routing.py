"""The routing decision of the local router: rules and weights in, a backend group out.

No I/O here, so that every decision can be tested without a socket. The router module owns the
sockets and asks a `Selector` which group and which endpoints serve each request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

# Header names arrive lower-cased (HTTP header names are case-insensitive); values are kept as sent.
Headers = Sequence[tuple[str, str]]


class MatchKind(StrEnum):
    """How a header or cookie value is compared; spelled as in the Gateway API."""

    EXACT = "Exact"
    PREFIX = "Prefix"
    # The whole value must match, as in Envoy and Istio, so that "beta" does not match "notbeta".
    REGEX = "RegularExpression"


def _compile(kind: MatchKind, value: str, what: str) -> re.Pattern[str] | None:
    if kind is not MatchKind.REGEX:
        return None
    try:
        return re.compile(value)
    except re.error as err:
        raise ValueError(f"{what}: invalid regular expression {value!r}: {err}") from err


def _value_matches(
    kind: MatchKind, expected: str, pattern: re.Pattern[str] | None, got: str
) -> bool:
    if kind is MatchKind.EXACT:
        return got == expected
    if kind is MatchKind.PREFIX:
        return got.startswith(expected)
    return pattern is not None and pattern.fullmatch(got) is not None


@dataclass(frozen=True)
class HeaderMatch:
    """Matches when any value of header `name` (case-insensitive) matches `value`."""

    name: str
    value: str
    kind: MatchKind = MatchKind.EXACT
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("header match: the header name is empty")
        object.__setattr__(self, "name", self.name.lower())
        object.__setattr__(self, "_pattern", _compile(self.kind, self.value, f"header {self.name}"))

    def matches(self, headers: Headers) -> bool:
        return any(
            _value_matches(self.kind, self.value, self._pattern, value)
            for name, value in headers
            if name == self.name
        )


@dataclass(frozen=True)
class CookieMatch:
    """Matches when any cookie called `name` (case-sensitive, as browsers send it) matches."""

    name: str
    value: str
    kind: MatchKind = MatchKind.EXACT
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("cookie match: the cookie name is empty")
        object.__setattr__(self, "_pattern", _compile(self.kind, self.value, f"cookie {self.name}"))

    def matches(self, cookies: Mapping[str, Sequence[str]]) -> bool:
        return any(
            _value_matches(self.kind, self.value, self._pattern, value)
            for value in cookies.get(self.name, ())
        )


def parse_cookies(headers: Headers) -> dict[str, list[str]]:
    """Cookies of all `Cookie` headers, by name.

    Split by hand rather than with http.cookies, which drops every cookie of a header when one of
    them is malformed; a router has to see the cookies a real browser sends.
    """
    cookies: dict[str, list[str]] = {}
    for name, value in headers:
        if name != "cookie":
            continue
        for part in value.split(";"):
            key, sep, val = part.strip().partition("=")
            if not sep or not key:
                continue
            val = val.strip()
            if len(val) >= 2 and val[0] == val[-1] == '"':
                val = val[1:-1]
            cookies.setdefault(key.strip(), []).append(val)
    return cookies


@dataclass(frozen=True)
class Rule:
    """Send a request to `group` when every header and cookie match holds."""

    group: str
    headers: tuple[HeaderMatch, ...] = ()
    cookies: tuple[CookieMatch, ...] = ()

    def __post_init__(self) -> None:
        if not self.headers and not self.cookies:
            # A rule without a match would take all traffic; weights say that more clearly.
            raise ValueError(f"rule for group {self.group!r} has no header or cookie match")

    def matches(self, headers: Headers, cookies: Mapping[str, Sequence[str]]) -> bool:
        return all(m.matches(headers) for m in self.headers) and all(
            m.matches(cookies) for m in self.cookies
        )


@dataclass(frozen=True, order=True)
class Endpoint:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> Endpoint:
        host, sep, port = text.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"endpoint {text!r} is not host:port")
        return cls(host.strip("[]"), int(port))

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class BackendGroup:
    """Endpoints that serve one version (e.g. "stable" or "canary") and their share of traffic.

    Weights are relative: 80 and 20, or 4 and 1, give the same split. A group with weight 0 gets
    only the requests a rule sends to it.
    """

    name: str
    endpoints: tuple[Endpoint, ...] = ()
    weight: int = 0

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("backend group: the name is empty")
        if self.weight < 0:
            raise ValueError(f"backend group {self.name!r}: weight {self.weight} is negative")
        object.__setattr__(self, "endpoints", tuple(self.endpoints))


@dataclass(frozen=True)
class RoutingTable:
    """What one listener does with a request: the first matching rule wins, else the weights."""

    groups: tuple[BackendGroup, ...]
    rules: tuple[Rule, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "groups", tuple(self.groups))
        object.__setattr__(self, "rules", tuple(self.rules))
        names = [g.name for g in self.groups]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"routing table: group names repeat: {', '.join(duplicates)}")
        for index, rule in enumerate(self.rules):
            if rule.group not in names:
                raise ValueError(
                    f"routing table: rules[{index}] names unknown group {rule.group!r}"
                )

    def group(self, name: str) -> BackendGroup:
        for group in self.groups:
            if group.name == name:
                return group
        raise KeyError(name)


class Selector:
    """Picks the group and the endpoint order for each request of one routing table.

    Weighted picks use smooth weighted round-robin (as nginx does) rather than random draws: the
    split is exact over every cycle of the total weight, so a 5 % canary gets 5 % of even a small
    number of requests, and the groups interleave instead of arriving in bursts.
    """

    def __init__(self, table: RoutingTable, previous: Selector | None = None) -> None:
        self.table = table
        self._current = {g.name: 0 for g in table.groups if g.weight > 0}
        self._total = sum(g.weight for g in table.groups)
        # Endpoint cursors survive a table swap; else every canary step would restart each group
        # at its first endpoint and load it more than the others.
        self._cursor: dict[str, int] = dict(previous._cursor) if previous else {}

    def choose(self, headers: Headers) -> BackendGroup | None:
        """The group for a request, or None when no rule matches and every weight is 0."""
        if self.table.rules:
            cookies = parse_cookies(headers)
            for rule in self.table.rules:
                if rule.matches(headers, cookies):
                    return self.table.group(rule.group)
        return self._weighted()

    def _weighted(self) -> BackendGroup | None:
        best: BackendGroup | None = None
        for group in self.table.groups:
            if group.weight <= 0:
                continue
            self._current[group.name] += group.weight
            if best is None or self._current[group.name] > self._current[best.name]:
                best = group
        if best is not None:
            self._current[best.name] -= self._total
        return best

    def endpoints(self, group: BackendGroup) -> list[Endpoint]:
        """The group's endpoints in the order to try them: round-robin, then the others as
        fallbacks when a connection fails."""
        count = len(group.endpoints)
        if count == 0:
            return []
        start = self._cursor.get(group.name, 0) % count
        self._cursor[group.name] = start + 1
        return [group.endpoints[(start + i) % count] for i in range(count)]


def weights(table: RoutingTable) -> dict[str, int]:
    return {g.name: g.weight for g in table.groups}


def with_weights(table: RoutingTable, new: Mapping[str, int]) -> RoutingTable:
    """The same table with some groups' weights changed, as a canary step does."""
    unknown = sorted(set(new) - {g.name for g in table.groups})
    if unknown:
        raise KeyError(f"no such group: {', '.join(unknown)}")
    groups: Iterable[BackendGroup] = (
        BackendGroup(g.name, g.endpoints, new.get(g.name, g.weight)) for g in table.groups
    )
    return RoutingTable(tuple(groups), table.rules)
