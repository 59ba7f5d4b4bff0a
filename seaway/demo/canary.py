"""What the demo shows of prod's canary: the weights the router applies, the split of real
requests at each weight, and how long after a failed check the traffic was back on stable."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from seaway.cluster.local.backend import LocalBackend
from seaway.rollout.analysis.conditions import Phase
from seaway.rollout.runs import saved_states

SAMPLE = 20


def versions(url: str, count: int = SAMPLE) -> Counter[str]:
    """Which version answered each of `count` requests (blocking)."""
    seen: Counter[str] = Counter()
    for _ in range(count):
        try:
            with urllib.request.urlopen(f"{url}/version", timeout=5) as resp:  # noqa: S310
                seen[str(json.loads(resp.read())["version"])] += 1
        except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
            seen[f"error ({type(exc).__name__})"] += 1
    return seen


def describe(split: Counter[str]) -> str:
    return ", ".join(f"{version} {n}" for version, n in sorted(split.items()))


@dataclass
class WeightWatch:
    """Follows the canary weight of a Service's listener; at each new weight, sends real
    requests and records who answered them."""

    backend: LocalBackend
    listener: str
    url: str
    steps: list[str] = field(default_factory=list)
    # (when, canary weight) at every change, read every few milliseconds.
    changes: list[tuple[datetime, int]] = field(default_factory=list)

    def weight(self) -> int:
        try:
            table = self.backend.router.get(self.listener).table
        except KeyError:
            return 0
        return next((g.weight for g in table.groups if g.name == "canary"), 0)

    async def follow(self, sample: bool = True) -> None:
        last = -1
        while True:
            weight = self.weight()
            if weight != last:
                self.changes.append((datetime.now(UTC), weight))
                last = weight
                if sample and weight:
                    split = await asyncio.to_thread(versions, self.url)
                    self.steps.append(f"{weight}% ({describe(split)} of {SAMPLE} requests)")
            await asyncio.sleep(0.002)

    def back_to_stable_after(self, moment: datetime) -> float | None:
        """Seconds from `moment` to the first change that took the canary's weight to 0."""
        for when, weight in self.changes:
            if when >= moment and weight == 0:
                return (when - moment).total_seconds()
        return None


@dataclass(frozen=True)
class FailedCheck:
    metric: str
    value: str
    message: str
    at: datetime


def failed_check(status: dict[str, Any]) -> FailedCheck | None:
    """The failed measurement of the analysis runs a Rollout's status keeps."""
    for state in saved_states(status).values():
        for result in state.results:
            if result.phase is Phase.FAILED and result.measurements:
                last = result.measurements[-1]
                return FailedCheck(result.name, last.value, last.message, last.finished_at)
    return None
