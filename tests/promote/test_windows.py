"""Sync windows evaluated at chosen moments: time zones, DST, allow/deny overlap, manualSync."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from seaway.model.project import SyncWindow
from seaway.promote.windows import (
    WindowTarget,
    applies_to,
    hold_message,
    next_change,
    open_at,
    verdict,
)

UTC = dt.UTC
WEB = WindowTarget("web", namespace="prod", server="https://kubernetes.default.svc")


def window(kind: str, schedule: str, duration: str, **extra: Any) -> SyncWindow:
    extra.setdefault("applications", ["*"])
    return SyncWindow.model_validate(
        {"kind": kind, "schedule": schedule, "duration": duration, **extra}
    )


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


NIGHT_DENY = window("deny", "0 22 * * *", "8h")
BERLIN_DENY = window("deny", "0 22 * * *", "8h", timeZone="Europe/Berlin")
WORKDAY_ALLOW = window("allow", "0 9 * * 1-5", "8h")
MANUAL_DENY = window("deny", "0 22 * * *", "8h", manualSync=True)
MANUAL_ALLOW = window("allow", "0 9 * * 1-5", "8h", manualSync=True)


@pytest.mark.parametrize(
    ("windows", "moment", "manual", "allowed"),
    [
        # 2026-06-03 is a Wednesday.
        ([], "2026-06-03T23:00", False, True),
        ([NIGHT_DENY], "2026-06-03T21:59", False, True),
        ([NIGHT_DENY], "2026-06-03T22:00", False, False),
        ([NIGHT_DENY], "2026-06-04T05:59", False, False),
        ([NIGHT_DENY], "2026-06-04T06:00", False, True),
        # Berlin is UTC+2 in summer: its 22:00 is 20:00 UTC.
        ([BERLIN_DENY], "2026-06-03T20:30", False, False),
        ([BERLIN_DENY], "2026-06-04T04:30", False, True),
        # ... and UTC+1 in winter.
        ([BERLIN_DENY], "2026-01-14T20:30", False, True),
        ([BERLIN_DENY], "2026-01-14T21:30", False, False),
        ([WORKDAY_ALLOW], "2026-06-03T10:00", False, True),
        ([WORKDAY_ALLOW], "2026-06-03T17:00", False, False),
        ([WORKDAY_ALLOW], "2026-06-06T10:00", False, False),  # Saturday
        # Deny wins over an allow open at the same time.
        ([WORKDAY_ALLOW, window("deny", "0 12 * * *", "1h")], "2026-06-03T12:30", False, False),
        ([WORKDAY_ALLOW, window("deny", "0 12 * * *", "1h")], "2026-06-03T13:00", False, True),
        # manualSync lets a person through a deny, never the automated sync.
        ([MANUAL_DENY], "2026-06-03T23:00", True, True),
        ([MANUAL_DENY], "2026-06-03T23:00", False, False),
        # Every open deny must allow manual syncs.
        ([MANUAL_DENY, NIGHT_DENY], "2026-06-03T23:00", True, False),
        ([WORKDAY_ALLOW], "2026-06-03T20:00", True, False),
        ([MANUAL_ALLOW], "2026-06-03T20:00", True, True),
        # Descriptors and @every.
        ([window("deny", "@daily", "1h")], "2026-06-03T00:30", False, False),
        ([window("deny", "@hourly", "10m")], "2026-06-03T07:15", False, True),
        ([window("deny", "@every 2h", "30m")], "2026-06-03T04:10", False, False),
        ([window("deny", "@every 2h", "30m")], "2026-06-03T05:10", False, True),
        # A window that started yesterday and lasts 30h is still open.
        ([window("deny", "0 12 * * 1", "30h")], "2026-06-02T17:00", False, False),
    ],
)
def test_verdict_table(windows: list[SyncWindow], moment: str, manual: bool, allowed: bool) -> None:
    result = verdict(windows, WEB, utc(moment), manual=manual)
    assert result.allowed is allowed, result.reason
    assert bool(result.blocking) is not allowed


def test_dst_spring_forward_window_keeps_its_real_length() -> None:
    # Berlin skips 02:00-03:00 on 2026-03-29; a 02:30 window runs at 03:00 CEST (01:00 UTC)
    # that night, for its 1h of real time.
    deny = window("deny", "30 2 * * *", "1h", timeZone="Europe/Berlin")
    opened = open_at(deny, utc("2026-03-29T01:30"))
    assert opened is not None
    assert opened.start == utc("2026-03-29T01:00")
    assert opened.end == utc("2026-03-29T02:00")
    assert open_at(deny, utc("2026-03-29T02:00")) is None


def test_dst_fall_back_window_opens_once_for_its_real_length() -> None:
    # New York repeats 01:00-02:00 on 2026-11-01; the window opens at the first 01:30.
    deny = window("deny", "30 1 * * *", "1h", timeZone="America/New_York")
    first = open_at(deny, utc("2026-11-01T05:45"))  # 01:45 EDT
    assert first is not None
    assert first.end == utc("2026-11-01T06:30")
    assert open_at(deny, utc("2026-11-01T06:45")) is None  # 01:45 EST, the second time


@pytest.mark.parametrize(
    ("extra", "target", "applies"),
    [
        ({"applications": ["web-*"]}, WindowTarget("web-eu"), True),
        ({"applications": ["web-*"]}, WindowTarget("api"), False),
        ({"applications": [], "namespaces": ["prod*"]}, WindowTarget("x", "prod-eu"), True),
        (
            {"applications": [], "clusters": ["in-cluster"]},
            WindowTarget("x", "", "", "in-cluster"),
            True,
        ),
        (
            {"applications": [], "clusters": ["https://*.example"]},
            WindowTarget("x", "", "https://k8s.example"),
            True,
        ),
        ({"applications": ["web"], "namespaces": ["dev"]}, WindowTarget("web", "prod"), True),
        (
            {"applications": ["web"], "namespaces": ["dev"], "andOperator": True},
            WindowTarget("web", "prod"),
            False,
        ),
        (
            {"applications": ["web"], "namespaces": ["dev"], "andOperator": True},
            WindowTarget("web", "dev"),
            True,
        ),
    ],
)
def test_which_apps_a_window_applies_to(
    extra: dict[str, Any], target: WindowTarget, applies: bool
) -> None:
    assert applies_to(window("deny", "0 0 * * *", "1h", **extra), target) is applies


def test_a_window_for_another_app_holds_nothing() -> None:
    deny = window("deny", "* * * * *", "1h", applications=["api"])
    assert verdict([deny], WEB, utc("2026-06-03T12:00")).allowed


def test_blocked_verdict_names_the_window_and_when_it_opens() -> None:
    deny = window("deny", "0 22 * * *", "8h", description="nightly backup")
    result = verdict([deny], WEB, utc("2026-06-03T23:00"))
    assert not result.allowed
    assert result.opens_at == utc("2026-06-04T06:00")
    message = hold_message(result)
    assert 'deny window "0 22 * * *" for 8h (UTC) - nightly backup' in message
    assert "open until 2026-06-04T06:00:00Z" in message
    assert message.endswith("it may run from 2026-06-04T06:00:00Z")


def test_overlapping_denies_open_when_the_last_one_closes() -> None:
    first = window("deny", "0 22 * * *", "8h")
    second = window("deny", "0 4 * * *", "4h")
    result = verdict([first, second], WEB, utc("2026-06-03T23:00"))
    assert result.opens_at == utc("2026-06-04T08:00")


def test_outside_allow_window_opens_at_the_next_allow() -> None:
    result = verdict([WORKDAY_ALLOW], WEB, utc("2026-06-05T18:00"))  # Friday evening
    assert not result.allowed
    assert result.opens_at == utc("2026-06-08T09:00")  # Monday


def test_next_change_is_the_next_open_or_close() -> None:
    assert next_change([NIGHT_DENY], utc("2026-06-03T12:00")) == utc("2026-06-03T22:00")
    assert next_change([NIGHT_DENY], utc("2026-06-03T23:00")) == utc("2026-06-04T06:00")
