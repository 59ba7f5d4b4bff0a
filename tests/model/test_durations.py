"""Durations as Argo CD reads them, and the retry backoff schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from seaway.model import (
    Application,
    RetryStrategy,
    backoff_delay,
    backoff_schedule,
    format_duration,
    parse_duration,
    parse_go_duration,
    parse_object,
)
from tests.model.manifests import GUESTBOOK


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("2m", timedelta(minutes=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h30m15s", timedelta(hours=1, minutes=30, seconds=15)),
        ("1.5h", timedelta(minutes=90)),
        (".5s", timedelta(milliseconds=500)),
        ("250ms", timedelta(milliseconds=250)),
        ("10us", timedelta(microseconds=10)),
        ("10\u00b5s", timedelta(microseconds=10)),
        ("1500ns", timedelta(microseconds=1)),
        ("0", timedelta(0)),
        ("-1m", timedelta(minutes=-1)),
        ("+5s", timedelta(seconds=5)),
    ],
)
def test_go_durations(text: str, expected: timedelta) -> None:
    assert parse_go_duration(text) == expected


@pytest.mark.parametrize("text", ["", "5", "5 minutes", "1d", "h", "1h 30m", "--1s", "1.2.3s"])
def test_invalid_go_durations(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_go_duration(text)


def test_retry_durations_take_a_bare_number_as_seconds() -> None:
    assert parse_duration("5") == timedelta(seconds=5)
    assert parse_duration("180") == timedelta(minutes=3)
    assert parse_duration("2m") == timedelta(minutes=2)
    with pytest.raises(ValueError, match="invalid duration '5 s'"):
        parse_duration("5 s")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(hours=1, minutes=30), "1h30m"),
        (timedelta(seconds=45), "45s"),
        (timedelta(milliseconds=250), "250ms"),
        (timedelta(days=2), "48h"),
        (timedelta(0), "0s"),
        (timedelta(minutes=-2), "-2m"),
    ],
)
def test_format_duration(value: timedelta, text: str) -> None:
    assert format_duration(value) == text
    assert parse_go_duration(text) == value


def test_backoff_doubles_and_caps() -> None:
    schedule = backoff_schedule(
        8, duration=timedelta(seconds=5), factor=2, max_duration=timedelta(minutes=3)
    )
    assert [int(d.total_seconds()) for d in schedule] == [5, 10, 20, 40, 80, 160, 180, 180]


def test_backoff_defaults_are_argo_cds() -> None:
    # 5s base, factor 2, capped at 3m.
    assert backoff_delay(0) == timedelta(seconds=5)
    assert backoff_delay(3) == timedelta(seconds=40)
    assert backoff_delay(10) == timedelta(minutes=3)


def test_backoff_factor_one_and_no_cap() -> None:
    assert (
        backoff_schedule(3, duration=timedelta(seconds=7), factor=1) == [timedelta(seconds=7)] * 3
    )
    uncapped = backoff_delay(20, duration=timedelta(seconds=1), factor=3, max_duration=timedelta(0))
    assert uncapped == timedelta(seconds=3**20)


def test_backoff_survives_endless_retries() -> None:
    assert backoff_delay(1_000_000) == timedelta(minutes=3)
    huge = backoff_delay(10_000, duration=timedelta(seconds=1), max_duration=timedelta(0))
    assert huge == timedelta.max


def test_backoff_rejects_negative_retry_numbers() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        backoff_delay(-1)


def _retry(retry: dict[str, object]) -> RetryStrategy:
    doc = yaml.safe_load(GUESTBOOK)
    doc["spec"]["syncPolicy"] = {"retry": retry}
    app = parse_object(doc)
    assert isinstance(app, Application)
    assert app.spec.sync_policy is not None
    assert app.spec.sync_policy.retry is not None
    return app.spec.sync_policy.retry


def test_retry_strategy_from_a_manifest() -> None:
    retry = _retry({"limit": 4, "backoff": {"duration": "10", "factor": 3, "maxDuration": "2m"}})
    assert retry.schedule() == [timedelta(seconds=s) for s in (10, 30, 90, 120)]
    assert retry.delay(1) == timedelta(seconds=30)


def test_retry_strategy_without_backoff_uses_defaults() -> None:
    retry = _retry({"limit": 3})
    assert retry.schedule() == [timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20)]


def test_retry_limit_zero_means_no_retries() -> None:
    assert _retry({"limit": 0}).schedule() == []


def test_endless_retry_limit_needs_a_count() -> None:
    retry = _retry({"limit": -1, "backoff": {"duration": "1m"}})
    with pytest.raises(ValueError, match="endless"):
        retry.schedule()
    assert retry.schedule(4) == [timedelta(minutes=m) for m in (1, 2, 3, 3)]
