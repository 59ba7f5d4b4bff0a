"""Percentiles of a few samples, as the gitops bench reports them."""

from __future__ import annotations

import statistics


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def p50_p99(values: list[float]) -> str:
    """ "p50 X ms, p99 Y ms, max Z ms (n=N)", or "no samples"."""
    if not values:
        return "no samples"
    ms = [v * 1000 for v in values]
    return (
        f"p50 {statistics.median(ms):7.1f} ms, p99 {percentile(ms, 0.99):7.1f} ms, "
        f"max {max(ms):7.1f} ms (n={len(ms)})"
    )
