"""ClusterBackend over a real API server."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from seaway.cluster.kubernetes.rest import KubeError, KubeRest, UnknownKind
from seaway.model.tracking import APP_LABEL, is_tracked_by, label_value


class KubernetesBackend:
    name = "kubernetes"

    def __init__(self, rest: KubeRest) -> None:
        self.rest = rest

    @classmethod
    def from_kubeconfig(
        cls, path: Path | None = None, context: str | None = None
    ) -> KubernetesBackend:
        return cls(KubeRest.from_kubeconfig(path, context))

    async def get(
        self, api_version: str, kind: str, name: str, namespace: str | None
    ) -> dict[str, Any] | None:
        try:
            return await self.rest.get(api_version, kind, name, namespace)
        except UnknownKind:
            return None

    async def list_app(self, app: str, kinds: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for api_version, kind in sorted(set(kinds)):
            try:
                items = await self.rest.list(
                    api_version, kind, label_selector=f"{APP_LABEL}={label_value(app)}"
                )
            except UnknownKind:
                continue
            except KubeError as exc:
                # A kind the server serves but does not let us list is not ours to prune.
                if exc.status in (403, 405):
                    continue
                raise
            found.extend(item for item in items if is_tracked_by(app, item))
        return found

    async def apply(self, obj: Mapping[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        return await self.rest.apply(obj, dry_run=dry_run)

    async def delete(self, api_version: str, kind: str, name: str, namespace: str | None) -> bool:
        try:
            return await self.rest.delete(api_version, kind, name, namespace)
        except UnknownKind:
            return False

    async def is_namespaced(self, api_version: str, kind: str) -> bool:
        return (await self.rest.resource(api_version, kind)).namespaced

    async def close(self) -> None:
        await self.rest.close()
