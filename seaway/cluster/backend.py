"""The interface every cluster backend offers the engine.

Objects cross it as plain dicts in Kubernetes' JSON shape, whichever backend holds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol


class ClusterBackend(Protocol):
    name: str

    async def get(
        self, api_version: str, kind: str, name: str, namespace: str | None
    ) -> dict[str, Any] | None:
        """The live object, or None when there is none."""
        ...

    async def list_app(self, app: str, kinds: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        """Live objects of the given (apiVersion, kind)s that carry the app's tracking marks."""
        ...

    async def apply(self, obj: Mapping[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Create or update with server-side apply semantics; return the object as stored."""
        ...

    async def delete(self, api_version: str, kind: str, name: str, namespace: str | None) -> bool:
        """Delete; False when it was already gone."""
        ...

    async def is_namespaced(self, api_version: str, kind: str) -> bool: ...

    async def close(self) -> None: ...
