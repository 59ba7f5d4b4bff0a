"""Latency histograms: quantiles read from buckets, windows as differences of snapshots."""

from __future__ import annotations

import pytest

from seaway.cluster.local.metrics import LatencyHistogram, ListenerMetrics


def test_quantiles_are_within_one_bucket() -> None:
    histogram = LatencyHistogram()
    # 1 ms .. 1000 ms, one observation each: the exact quantiles are known.
    for ms in range(1, 1001):
        histogram.observe(ms / 1000)
    snap = histogram.snapshot()
    assert snap.count == 1000
    assert snap.sum_seconds == pytest.approx(500.5)
    for got, exact in ((snap.p50, 0.5), (snap.p95, 0.95), (snap.p99, 0.99)):
        assert got is not None
        # Buckets are 25 % apart.
        assert exact / 1.25 <= got <= exact * 1.25


def test_empty_histogram_has_no_quantiles() -> None:
    snap = LatencyHistogram().snapshot()
    assert (snap.count, snap.p50, snap.p99, snap.mean) == (0, None, None, None)


def test_slow_outliers_show_in_p99_not_p50() -> None:
    histogram = LatencyHistogram()
    for _ in range(980):
        histogram.observe(0.002)
    for _ in range(20):
        histogram.observe(2.0)
    snap = histogram.snapshot()
    assert snap.p50 is not None
    assert snap.p99 is not None
    assert snap.p50 < 0.003
    assert snap.p99 > 1.5


def test_window_is_the_difference_of_two_snapshots() -> None:
    metrics = ListenerMetrics()
    group = metrics.group("canary")
    for _ in range(10):
        group.requests += 1
        group.finished(200, 0.01)
    before = metrics.snapshot("svc", 80).group("canary")
    for status in (200, 500, 503):
        group.requests += 1
        group.finished(status, 1.0)
    after = metrics.snapshot("svc", 80).group("canary")
    window = after.since(before)
    assert (window.requests, window.responses_5xx, window.latency.count) == (3, 2, 3)
    assert window.error_rate == pytest.approx(2 / 3)
    assert window.latency.p50 is not None
    assert window.latency.p50 > 0.5
