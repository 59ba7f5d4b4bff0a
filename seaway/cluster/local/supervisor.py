"""The replicas of the local backend, by name: what the backend starts, finds and stops."""

from __future__ import annotations

import asyncio
from pathlib import Path

from seaway.cluster.local.process import ProcessIdentity
from seaway.cluster.local.replica import Backoff, Replica, ReplicaStatus
from seaway.cluster.local.spec import ReplicaSpec


class Supervisor:
    def __init__(
        self,
        data_dir: Path,
        *,
        backoff: Backoff | None = None,
        log_max_bytes: int = 10 * 1024 * 1024,
    ) -> None:
        self.log_dir = data_dir / "logs"
        self._backoff = backoff
        self._log_max_bytes = log_max_bytes
        self._replicas: dict[tuple[str, str], Replica] = {}

    async def start(self, spec: ReplicaSpec, adopt: ProcessIdentity | None = None) -> Replica:
        """Start (or re-adopt) a replica; the key is namespace and replica name."""
        key = (spec.namespace, spec.name)
        if key in self._replicas:
            raise ValueError(f"replica {spec.namespace}/{spec.name} runs already")
        replica = Replica(
            spec, log_dir=self.log_dir, backoff=self._backoff, log_max_bytes=self._log_max_bytes
        )
        self._replicas[key] = replica
        await replica.start(adopt)
        return replica

    def get(self, namespace: str, name: str) -> Replica | None:
        return self._replicas.get((namespace, name))

    def statuses(self) -> list[ReplicaStatus]:
        return [replica.status for replica in self._replicas.values()]

    async def stop(self, namespace: str, name: str, grace: float | None = None) -> None:
        replica = self._replicas.pop((namespace, name), None)
        if replica is not None:
            await replica.stop(grace)

    async def stop_all(self) -> None:
        """Stop every replica at once, so the slowest grace period bounds the wait, not the sum."""
        replicas, self._replicas = list(self._replicas.values()), {}
        await asyncio.gather(*(replica.stop() for replica in replicas))
