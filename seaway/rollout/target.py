"""Where rollouts run: the interface the rollout driver uses, one implementation per backend.

A target holds Rollout objects (as plain dicts in Kubernetes' JSON shape), runs one set of
replicas per pod-template hash, sends traffic where a `Traffic` says, keeps the status the
engine writes, and carries people's commands to the driver. Everything Seaway changes here
(replica counts, selectors, weights, status) is outside what the Application's diff compares,
so a rollout in progress never reads as drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from seaway.rollout.engine.types import Command, Desired, ReplicaSetState


class RolloutTarget(Protocol):
    async def rollouts(self) -> list[dict[str, Any]]:
        """Every Rollout object the target holds."""
        ...

    async def observe(self, rollout: Mapping[str, Any]) -> dict[str, ReplicaSetState]:
        """The rollout's replica sets by pod-template hash."""
        ...

    async def apply(self, rollout: Mapping[str, Any], desired: Desired) -> None:
        """Scale each hash's replicas (creating the set from the Rollout's template when it is
        the current one) and point the Services or router where `desired.traffic` says. Traffic
        moves before scale-downs, so no request reaches a replica that is going away."""
        ...

    async def write_status(self, rollout: Mapping[str, Any], status: Mapping[str, Any]) -> None:
        """Store the Rollout's status (Argo Rollouts' shape) without touching its spec."""
        ...

    async def analysis_template(
        self, namespace: str, name: str, *, cluster_scope: bool
    ) -> dict[str, Any] | None:
        """An AnalysisTemplate (or ClusterAnalysisTemplate) object, or None when missing."""
        ...

    async def give_command(self, namespace: str, name: str, command: Command) -> None:
        """Queue a person's command for the rollout (from the CLI, API or pipeline)."""
        ...

    async def take_commands(self, rollout: Mapping[str, Any]) -> list[Command]:
        """Commands queued for the rollout since the last call, oldest first; each is returned
        once."""
        ...
