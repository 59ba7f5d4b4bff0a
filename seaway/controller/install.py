"""Installing Seaway's CRDs into a cluster and waiting until the API server serves them."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from seaway.cluster.kubernetes import KubeRest
from seaway.controller.crds import ALL, ARGO_ROLLOUTS, PART_OF

CRD_API = "apiextensions.k8s.io/v1"


@dataclass
class Installed:
    applied: list[str] = field(default_factory=list)
    # Definitions another installer (Argo Rollouts) put there, left as they are.
    kept: list[str] = field(default_factory=list)


async def install(rest: KubeRest, timeout: float = 60.0) -> Installed:
    done = Installed()
    compatible = {str(crd["metadata"]["name"]) for crd in ARGO_ROLLOUTS}
    for crd in ALL:
        name = str(crd["metadata"]["name"])
        if name in compatible and _foreign(
            await rest.get(CRD_API, "CustomResourceDefinition", name)
        ):
            done.kept.append(name)
            continue
        await rest.apply(crd)
        done.applied.append(name)
    deadline = time.monotonic() + timeout
    for name in [*done.applied, *done.kept]:
        await _established(rest, name, deadline, timeout)
    rest.forget_discovery()
    return done


async def install_crds(rest: KubeRest, timeout: float = 60.0) -> list[str]:
    """Every definition Seaway needs, established: the names, applied or kept."""
    done = await install(rest, timeout)
    return [*done.applied, *done.kept]


def _foreign(crd: dict[str, Any] | None) -> bool:
    if crd is None:
        return False
    labels = (crd.get("metadata") or {}).get("labels") or {}
    return bool(labels.get(PART_OF[0]) != PART_OF[1])


async def _established(rest: KubeRest, name: str, deadline: float, timeout: float) -> None:
    while True:
        got = await rest.get(CRD_API, "CustomResourceDefinition", name)
        conditions = {
            c.get("type"): c.get("status")
            for c in ((got or {}).get("status") or {}).get("conditions") or []
        }
        if conditions.get("Established") == "True":
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} was not Established within {timeout:.0f} s")
        await asyncio.sleep(0.2)
