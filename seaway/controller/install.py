"""Installing Seaway's CRDs into a cluster and waiting until the API server serves them."""

from __future__ import annotations

import asyncio
import time

from seaway.cluster.kubernetes import KubeRest
from seaway.controller.crds import ALL


async def install_crds(rest: KubeRest, timeout: float = 60.0) -> list[str]:
    names = []
    for crd in ALL:
        await rest.apply(crd)
        names.append(str(crd["metadata"]["name"]))
    deadline = time.monotonic() + timeout
    for name in names:
        while True:
            got = await rest.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", name)
            conditions = {
                c.get("type"): c.get("status")
                for c in ((got or {}).get("status") or {}).get("conditions") or []
            }
            if conditions.get("Established") == "True":
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} was not Established within {timeout:.0f} s")
            await asyncio.sleep(0.2)
    rest.forget_discovery()
    return names
