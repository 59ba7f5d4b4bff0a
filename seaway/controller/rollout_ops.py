"""An app's Rollouts as people see and steer them (the HTTP API): their status, and commands
(promote, abort, ...) queued for the rollout driver, which takes them on its next pass."""

from __future__ import annotations

from typing import Any

from seaway.cluster.kubernetes import KubernetesBackend
from seaway.cluster.local.backend import LocalBackend
from seaway.controller.loop import Controller
from seaway.controller.operations import OperationRefused
from seaway.model.tracking import APP_LABEL
from seaway.rollout.engine.types import Command
from seaway.rollout.target import RolloutTarget
from seaway.rollout.targets.kubernetes import KubernetesRolloutTarget
from seaway.rollout.targets.local import LocalRolloutTarget

COMMANDS = tuple(c.value for c in Command)


def rollout_target(controller: Controller) -> RolloutTarget | None:
    """Where the controller's Rollouts live, or None for a backend without them."""
    backend = controller.reconciler.backend
    if isinstance(backend, LocalBackend):
        return LocalRolloutTarget(backend)
    if isinstance(backend, KubernetesBackend):
        return KubernetesRolloutTarget(backend.rest)
    return None


async def app_rollouts(target: RolloutTarget, app: str) -> list[dict[str, Any]]:
    """The Rollouts an app manages (its tracking label), by namespace and name."""
    found = [
        r
        for r in await target.rollouts()
        if ((r.get("metadata") or {}).get("labels") or {}).get(APP_LABEL) == app
    ]
    return sorted(found, key=lambda r: (r["metadata"].get("namespace", ""), r["metadata"]["name"]))


async def give(target: RolloutTarget, rollout: dict[str, Any], command: str) -> None:
    try:
        chosen = Command(command)
    except ValueError:
        raise OperationRefused(
            f"unknown rollout command {command!r} (known: {', '.join(COMMANDS)})"
        ) from None
    meta = rollout.get("metadata") or {}
    await target.give_command(str(meta.get("namespace") or ""), str(meta["name"]), chosen)


__all__ = ["COMMANDS", "RolloutTarget", "app_rollouts", "give", "rollout_target"]
