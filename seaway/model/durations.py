"""Durations as Argo CD users write them, and the retry backoff they drive.

Argo CD reads retry durations with Go's `time.ParseDuration` ("30s", "2m", "1h30m", "1.5h") and
takes a bare integer as seconds; sync windows use Go's syntax only.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

# Argo CD's defaults for a retry strategy that leaves backoff fields unset.
DEFAULT_RETRY_DURATION = timedelta(seconds=5)
DEFAULT_RETRY_FACTOR = 2
DEFAULT_RETRY_MAX_DURATION = timedelta(minutes=3)

_UNIT_MICROSECONDS: dict[str, Decimal] = {
    "ns": Decimal("0.001"),
    "us": Decimal(1),
    "\u00b5s": Decimal(1),  # micro sign
    "\u03bcs": Decimal(1),  # Greek mu; Go accepts both spellings
    "ms": Decimal(1_000),
    "s": Decimal(1_000_000),
    "m": Decimal(60_000_000),
    "h": Decimal(3_600_000_000),
}
_COMPONENT = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_INTEGER = re.compile(r"[+-]?\d+")
_HINT = "use a number with a unit, e.g. 30s, 2m or 1h30m"


def parse_go_duration(text: str) -> timedelta:
    """Parse Go's duration syntax: a sign, then one or more number-unit pairs, or "0"."""
    body = text.strip()
    negative = body.startswith("-")
    if body and body[0] in "+-":
        body = body[1:]
    if body == "0":
        return timedelta(0)
    if not body:
        raise ValueError(f"invalid duration {text!r}: {_HINT}")
    total = Decimal(0)
    position = 0
    while position < len(body):
        match = _COMPONENT.match(body, position)
        if match is None:
            raise ValueError(f"invalid duration {text!r}: {_HINT}")
        total += Decimal(match.group(1)) * _UNIT_MICROSECONDS[match.group(2)]
        position = match.end()
    microseconds = int(total)
    return timedelta(microseconds=-microseconds if negative else microseconds)


def parse_duration(text: str) -> timedelta:
    """Parse a retry duration as Argo CD does: a bare integer is seconds, else Go's syntax."""
    stripped = text.strip()
    if _INTEGER.fullmatch(stripped):
        return timedelta(seconds=int(stripped))
    return parse_go_duration(stripped)


def format_duration(value: timedelta) -> str:
    """Write a duration the short way people read it: "1h30m", "45s", "250ms", "0s"."""
    microseconds = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    if microseconds == 0:
        return "0s"
    sign = "-" if microseconds < 0 else ""
    remaining = abs(microseconds)
    parts: list[str] = []
    for unit in ("h", "m", "s", "ms", "us"):
        size = int(_UNIT_MICROSECONDS[unit])
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return sign + "".join(parts)


def backoff_delay(
    retry: int,
    *,
    duration: timedelta = DEFAULT_RETRY_DURATION,
    factor: int = DEFAULT_RETRY_FACTOR,
    max_duration: timedelta = DEFAULT_RETRY_MAX_DURATION,
) -> timedelta:
    """How long to wait before retry number `retry` (0 for the first): duration * factor^retry.

    A positive `max_duration` caps the wait, as in Argo CD; zero leaves it uncapped.
    """
    if retry < 0:
        raise ValueError(f"retry number must not be negative, got {retry}")
    cap = max_duration if max_duration > timedelta(0) else timedelta.max
    delay = min(duration, cap)
    # Multiplying step by step stops as soon as the cap is reached, so a long run of retries
    # never builds the huge number factor**retry.
    for _ in range(retry):
        if delay >= cap or factor == 1:
            break
        if factor == 0:
            return timedelta(0)
        try:
            delay = min(delay * factor, cap)
        except OverflowError:
            return cap
    return delay


def backoff_schedule(
    count: int,
    *,
    duration: timedelta = DEFAULT_RETRY_DURATION,
    factor: int = DEFAULT_RETRY_FACTOR,
    max_duration: timedelta = DEFAULT_RETRY_MAX_DURATION,
) -> list[timedelta]:
    """The waits before each of the first `count` retries."""
    return [
        backoff_delay(n, duration=duration, factor=factor, max_duration=max_duration)
        for n in range(count)
    ]
