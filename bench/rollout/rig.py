"""The controller's rollout half as `seaway controller --backend local` runs it (the local
backend, the rollout driver at the production tick, the router's metrics as a provider), in
this process, with every routing-table change the router makes recorded as it happens."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seaway.cluster.local.backend import LocalBackend
from seaway.cluster.local.routing import RoutingTable, weights
from seaway.rollout.analysis.providers import Providers, RouterProvider
from seaway.rollout.driver import RolloutDriver
from seaway.rollout.engine import status_from_dict
from seaway.rollout.engine.types import RolloutStatus
from seaway.rollout.targets.local import LocalRolloutTarget

# What `build_local` gives the backend and the driver (seaway/controller/service.py).
TICK = 0.2
# Stopping the driver and every replica (grace period 2 s, then SIGKILL) takes seconds.
CLOSE_TIMEOUT = 60.0


@dataclass(frozen=True)
class TableChange:
    at: float  # time.time()
    listener: str  # "namespace/service:port"
    table: RoutingTable

    @property
    def weights(self) -> dict[str, int]:
        return weights(self.table)

    @property
    def endpoints(self) -> frozenset[str]:
        return frozenset(str(e) for g in self.table.groups if g.weight for e in g.endpoints)


@dataclass
class LocalRig:
    data_dir: Path
    backend: LocalBackend = field(init=False)
    target: LocalRolloutTarget = field(init=False)
    driver: RolloutDriver = field(init=False)
    changes: list[TableChange] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    async def start(self) -> LocalRig:
        self.backend = LocalBackend(self.data_dir, tick=TICK)
        await self.backend.start()
        self._record_tables()
        self.target = LocalRolloutTarget(self.backend)
        providers = Providers(router=RouterProvider(self.target.router_snapshot))
        self.driver = RolloutDriver(self.target, providers, tick=TICK)
        self._task = asyncio.create_task(self.driver.run(self._stop))
        return self

    def _record_tables(self) -> None:
        # The router's own entry point, wrapped on this instance: the moment a table is set is
        # the moment requests start to follow it.
        router = self.backend.router
        set_table = router.set_table

        def recorded(name: str, table: RoutingTable) -> None:
            set_table(name, table)
            self.changes.append(TableChange(time.time(), name, table))

        router.set_table = recorded  # type: ignore[method-assign]

    async def close(self) -> None:
        self._stop.set()
        deadline = asyncio.timeout(CLOSE_TIMEOUT)
        try:
            async with deadline:
                if self._task is not None:
                    with contextlib.suppress(Exception):
                        await self._task
                await self.backend.close()
        except TimeoutError as error:
            if not deadline.expired():
                raise
            # Chained: a failure of the bench before the close is shown too.
            raise RuntimeError(
                f"the local rig did not close in {CLOSE_TIMEOUT:g} s: the rollout driver or the "
                "local backend (runtime loop, replicas, router) did not stop"
            ) from error

    async def apply(self, obj: dict[str, Any]) -> None:
        await self.backend.apply(obj)
        self.driver.wake()

    async def port(self, namespace: str, service: str) -> int:
        async def listening() -> int | None:
            return self.backend.service_port(namespace, service, 0)

        port: int = await until(f"Service {namespace}/{service} listening", listening)
        return port

    def listener(self, namespace: str, service: str) -> str:
        return self.target.router_snapshot(f"{namespace}/{service}").name

    def table(self, namespace: str, service: str) -> RoutingTable:
        return self.backend.router.get(self.listener(namespace, service)).table

    async def raw(self, namespace: str) -> dict[str, Any]:
        live = await self.backend.get("argoproj.io/v1alpha1", "Rollout", "web", namespace)
        if live is None:
            raise RuntimeError(f"Rollout {namespace}/web is missing")
        return live

    async def status(self, namespace: str) -> RolloutStatus | None:
        raw = (await self.raw(namespace)).get("status") or {}
        return status_from_dict(raw) if raw.get("phase") else None

    async def wait_status(
        self, namespace: str, what: str, check: Callable[[RolloutStatus], bool]
    ) -> RolloutStatus:
        async def reached() -> RolloutStatus | None:
            status = await self.status(namespace)
            return status if status is not None and check(status) else None

        got: RolloutStatus = await until(f"{namespace}: {what}", reached, timeout=90)
        return got

    def first_change(
        self, listener: str, after: float, check: Callable[[TableChange], bool]
    ) -> TableChange | None:
        for change in list(self.changes):
            if change.listener == listener and change.at >= after and check(change):
                return change
        return None


async def until(
    what: str, probe: Callable[[], Any], timeout: float = 60.0, step: float = 0.01
) -> Any:
    """The first true value `probe` gives; RuntimeError after `timeout` seconds, a probe that
    does not return included."""
    deadline = asyncio.timeout(timeout)
    try:
        async with deadline:
            while True:
                got = await probe()
                if got:
                    return got
                await asyncio.sleep(step)
    except TimeoutError:
        if not deadline.expired():
            raise
        raise RuntimeError(f"timed out after {timeout:g} s waiting for {what}") from None
