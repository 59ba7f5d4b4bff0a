"""Seaway's router metric: the local router's own numbers for one backend group.

The router's counters only grow, so each measurement reads the difference from the previous
one (the first from a snapshot taken when the run began): the error rate, latency or request
count of exactly the traffic since then.
"""

from __future__ import annotations

from collections.abc import Callable

from seaway.cluster.local.metrics import GroupSnapshot, ListenerSnapshot
from seaway.model.analysis import Metric, RouterMetric
from seaway.rollout.analysis.providers.base import MeasurementError, Observation

# The current metrics of the listener for a Service (by name); KeyError for a Service the
# router does not serve. `Router.get(name).snapshot` fits.
Snapshots = Callable[[str], ListenerSnapshot]


class RouterProvider:
    def __init__(self, snapshots: Snapshots) -> None:
        self.snapshots = snapshots
        # Per metric: two metrics reading one group each judge their own window.
        self._previous: dict[str, GroupSnapshot | None] = {}

    def begin(self, metric: Metric) -> None:
        spec = metric.provider.router
        if spec is not None:
            self._previous[metric.name] = self._group(spec)

    async def measure(self, metric: Metric) -> Observation:
        spec = metric.provider.router
        if spec is None:
            raise MeasurementError(f"metric {metric.name!r} has no router provider")
        current = self._group(spec)
        previous = self._previous.get(metric.name)
        self._previous[metric.name] = current
        if current is None:
            window = None
        elif previous is None:
            window = current
        else:
            window = current.since(previous)
        value = _read(spec, window)
        return Observation(value, "nil" if value is None else f"{value:g}")

    def _group(self, spec: RouterMetric) -> GroupSnapshot | None:
        try:
            listener = self.snapshots(spec.service)
        except KeyError:
            raise MeasurementError(f"the router serves no Service {spec.service!r}") from None
        try:
            return listener.group(spec.group)
        except KeyError:
            # A group no request has reached yet has no counters: nothing happened.
            return None


def _read(spec: RouterMetric, window: GroupSnapshot | None) -> float | None:
    if spec.metric == "requests":
        return float(window.requests) if window is not None else 0.0
    if window is None:
        return None
    if spec.metric == "errorRate":
        return window.error_rate
    return {"p50": window.latency.p50, "p95": window.latency.p95, "p99": window.latency.p99}[
        spec.metric
    ]
