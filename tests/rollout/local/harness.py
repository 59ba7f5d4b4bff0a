"""A controller's rollout half for tests: the real local backend and the rollout driver on it,
started and stopped (a crash mid-rollout is played by earlier.py, in a process of its own)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seaway.cluster.local.backend import LocalBackend
from seaway.cluster.local.replica import Backoff
from seaway.rollout.analysis.providers import Providers, RouterProvider
from seaway.rollout.driver import Engine, RolloutDriver, RolloutEvent
from seaway.rollout.engine.types import RolloutStatus
from seaway.rollout.targets.local import LocalRolloutTarget
from tests.rollout.local.workload import NAMESPACE


@dataclass
class Harness:
    data_dir: Path
    engine: Engine | None = None
    backend: LocalBackend = field(init=False)
    target: LocalRolloutTarget = field(init=False)
    driver: RolloutDriver = field(init=False)
    events: list[RolloutEvent] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    async def start(self) -> Harness:
        # Laid out as the controller lays out its data dir, so `seaway rollout --data-dir` works.
        self.backend = LocalBackend(
            self.data_dir / "local", tick=0.1, backoff=Backoff(base=0.2, cap=1.0)
        )
        await self.backend.start()
        self.target = LocalRolloutTarget(self.backend)
        providers = Providers(router=RouterProvider(self.target.router_snapshot))
        self.driver = RolloutDriver(self.target, providers, engine=self.engine, tick=0.1)
        self.driver.subscribe(self.events.append)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self.driver.run(self._stop))
        return self

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
        await self.backend.close()

    async def rollout(self) -> dict[str, Any]:
        live = await self.backend.get("argoproj.io/v1alpha1", "Rollout", "web", NAMESPACE)
        assert live is not None
        return live

    async def status(self) -> RolloutStatus | None:
        raw = (await self.rollout()).get("status") or {}
        if not raw.get("phase"):
            return None
        return self.driver.engine.status_from_dict(raw)

    def weights(self, service: str = "web") -> dict[str, int]:
        name = self.target.router_snapshot(f"{NAMESPACE}/{service}").name
        table = self.backend.router.get(name).table
        return {g.name: g.weight for g in table.groups}

    async def wait_status(
        self, what: str, check: Callable[[RolloutStatus], bool], timeout: float = 40.0
    ) -> RolloutStatus:
        deadline = asyncio.get_running_loop().time() + timeout
        last = None
        while asyncio.get_running_loop().time() < deadline:
            last = await self.status()
            if last is not None and check(last):
                return last
            await asyncio.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; last status {last}")
