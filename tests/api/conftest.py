"""A clock the tests move by hand, and an Access on a fresh data directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from seaway.api.auth import Access


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def access(tmp_path: Path, clock: FakeClock) -> Iterator[Access]:
    with Access(tmp_path / "data", clock=clock) as opened:
        yield opened
