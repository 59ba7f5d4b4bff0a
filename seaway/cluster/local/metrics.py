"""Request metrics of the local router, per backend group and per endpoint.

Counters only grow, so an analysis step takes two snapshots and reads the difference
(`GroupSnapshot.since`) for the window it judges.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

# Geometric buckets from 0.25 ms to about 2 minutes, 25 % apart: a quantile read from them is off
# by at most one bucket's width, and recording stays a binary search over 60 floats.
LATENCY_BOUNDS: tuple[float, ...] = tuple(0.00025 * 1.25**i for i in range(60))


@dataclass(frozen=True)
class LatencySnapshot:
    """A latency histogram in seconds: `counts[i]` observations fell at or below `bounds[i]` and
    above the bound before it; the last count is for everything above the last bound."""

    bounds: tuple[float, ...]
    counts: tuple[int, ...]
    count: int
    sum_seconds: float
    p50: float | None
    p95: float | None
    p99: float | None

    @classmethod
    def of(
        cls, bounds: tuple[float, ...], counts: tuple[int, ...], total: float
    ) -> LatencySnapshot:
        count = sum(counts)
        return cls(
            bounds,
            counts,
            count,
            total,
            _quantile(bounds, counts, 0.50),
            _quantile(bounds, counts, 0.95),
            _quantile(bounds, counts, 0.99),
        )

    def quantile(self, q: float) -> float | None:
        return _quantile(self.bounds, self.counts, q)

    @property
    def mean(self) -> float | None:
        return self.sum_seconds / self.count if self.count else None

    def since(self, earlier: LatencySnapshot) -> LatencySnapshot:
        counts = tuple(a - b for a, b in zip(self.counts, earlier.counts, strict=True))
        return LatencySnapshot.of(self.bounds, counts, self.sum_seconds - earlier.sum_seconds)


def _quantile(bounds: tuple[float, ...], counts: tuple[int, ...], q: float) -> float | None:
    """Linear interpolation inside the bucket that holds the q-th observation, as Prometheus'
    histogram_quantile does."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} is not within 0..1")
    total = sum(counts)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for index, in_bucket in enumerate(counts):
        if in_bucket and seen + in_bucket >= rank:
            if index == len(bounds):
                return bounds[-1]
            lower = bounds[index - 1] if index else 0.0
            return lower + (bounds[index] - lower) * (rank - seen) / in_bucket
        seen += in_bucket
    return bounds[-1]


class LatencyHistogram:
    def __init__(self, bounds: tuple[float, ...] = LATENCY_BOUNDS) -> None:
        self._bounds = bounds
        self._counts = [0] * (len(bounds) + 1)
        self._sum = 0.0

    def observe(self, seconds: float) -> None:
        self._counts[bisect.bisect_left(self._bounds, seconds)] += 1
        self._sum += seconds

    def snapshot(self) -> LatencySnapshot:
        return LatencySnapshot.of(self._bounds, tuple(self._counts), self._sum)


@dataclass
class Counters:
    """What happened to the requests of one group or one endpoint.

    `requests` counts requests routed to a group, or forwarded to an endpoint (its connection
    was accepted). `responses_5xx` counts responses with status 500 and above, including the
    502/503/504 the router itself answers for the group. `connection_errors` counts connection
    attempts that failed (each failed attempt of a retried request counts).
    """

    requests: int = 0
    responses_5xx: int = 0
    connection_errors: int = 0
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)

    def finished(self, status: int, seconds: float) -> None:
        if status >= 500:
            self.responses_5xx += 1
        self.latency.observe(seconds)


@dataclass(frozen=True)
class EndpointSnapshot:
    endpoint: str
    requests: int
    responses_5xx: int
    connection_errors: int
    latency: LatencySnapshot

    def since(self, earlier: EndpointSnapshot) -> EndpointSnapshot:
        return EndpointSnapshot(
            self.endpoint,
            self.requests - earlier.requests,
            self.responses_5xx - earlier.responses_5xx,
            self.connection_errors - earlier.connection_errors,
            self.latency.since(earlier.latency),
        )


@dataclass(frozen=True)
class GroupSnapshot:
    name: str
    requests: int
    responses_5xx: int
    connection_errors: int
    latency: LatencySnapshot
    endpoints: tuple[EndpointSnapshot, ...]

    @property
    def error_rate(self) -> float | None:
        return self.responses_5xx / self.requests if self.requests else None

    def endpoint(self, endpoint: str) -> EndpointSnapshot:
        for snap in self.endpoints:
            if snap.endpoint == endpoint:
                return snap
        raise KeyError(endpoint)

    def since(self, earlier: GroupSnapshot) -> GroupSnapshot:
        before = {e.endpoint: e for e in earlier.endpoints}
        return GroupSnapshot(
            self.name,
            self.requests - earlier.requests,
            self.responses_5xx - earlier.responses_5xx,
            self.connection_errors - earlier.connection_errors,
            self.latency.since(earlier.latency),
            tuple(
                e.since(before[e.endpoint]) if e.endpoint in before else e for e in self.endpoints
            ),
        )


@dataclass(frozen=True)
class ListenerSnapshot:
    name: str
    port: int
    connections: int
    # Requests no group took: no rule matched and every weight was 0.
    unrouted: int
    groups: tuple[GroupSnapshot, ...]

    def group(self, name: str) -> GroupSnapshot:
        for snap in self.groups:
            if snap.name == name:
                return snap
        raise KeyError(name)


class ListenerMetrics:
    def __init__(self) -> None:
        self.connections = 0
        self.unrouted = 0
        self._groups: dict[str, Counters] = {}
        self._endpoints: dict[str, dict[str, Counters]] = {}

    def group(self, name: str) -> Counters:
        counters = self._groups.get(name)
        if counters is None:
            counters = self._groups[name] = Counters()
            self._endpoints[name] = {}
        return counters

    def endpoint(self, group: str, endpoint: str) -> Counters:
        self.group(group)
        by_endpoint = self._endpoints[group]
        counters = by_endpoint.get(endpoint)
        if counters is None:
            counters = by_endpoint[endpoint] = Counters()
        return counters

    def snapshot(self, name: str, port: int) -> ListenerSnapshot:
        return ListenerSnapshot(
            name,
            port,
            self.connections,
            self.unrouted,
            tuple(
                GroupSnapshot(
                    group,
                    c.requests,
                    c.responses_5xx,
                    c.connection_errors,
                    c.latency.snapshot(),
                    tuple(
                        EndpointSnapshot(
                            ep,
                            e.requests,
                            e.responses_5xx,
                            e.connection_errors,
                            e.latency.snapshot(),
                        )
                        for ep, e in sorted(self._endpoints[group].items())
                    ),
                )
                for group, c in sorted(self._groups.items())
            ),
        )
