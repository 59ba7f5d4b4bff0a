"""ClusterBackend over a real API server."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from seaway.cluster.kubernetes.cache import ClusterCache
from seaway.cluster.kubernetes.rest import KubeError, KubeRest, UnknownKind
from seaway.model.keys import ResourceKey
from seaway.model.tracking import APP_LABEL, is_tracked_by, label_value


class KubernetesBackend:
    """With a ClusterCache, live state is read from memory kept current by watches; without
    one, every read goes to the API server (fine for the CLI's one-off commands)."""

    name = "kubernetes"

    def __init__(self, rest: KubeRest, cache: ClusterCache | None = None) -> None:
        self.rest = rest
        self.cache = cache

    @classmethod
    def from_kubeconfig(
        cls, path: Path | None = None, context: str | None = None
    ) -> KubernetesBackend:
        return cls(KubeRest.from_kubeconfig(path, context))

    async def get(
        self, api_version: str, kind: str, name: str, namespace: str | None
    ) -> dict[str, Any] | None:
        if self.cache is not None and self.cache.cached(api_version, kind):
            key = ResourceKey(api_version.rpartition("/")[0], kind, namespace or "", name)
            hit = self.cache.get(api_version, kind, key)
            if hit is not None:
                return hit
        # Not tracked (yet): an object that exists without Seaway's label is still live.
        try:
            return await self.rest.get(api_version, kind, name, namespace)
        except UnknownKind:
            return None

    async def list_app(self, app: str, kinds: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        if self.cache is not None:
            return await self._list_cached(app, kinds)
        return await self._list_api(app, kinds)

    async def _list_cached(
        self, app: str, kinds: Iterable[tuple[str, str]]
    ) -> list[dict[str, Any]]:
        cache = self.cache
        if cache is None:
            return await self._list_api(app, kinds)
        found: list[dict[str, Any]] = []
        for api_version, kind in sorted(set(kinds)):
            if not cache.cached(api_version, kind):
                try:
                    await cache.watch_kinds([(api_version, kind)])
                except UnknownKind:
                    continue
                except KubeError as exc:
                    if exc.status in (403, 405):
                        continue
                    raise
            found.extend(
                obj
                for obj in cache.by_label(api_version, kind, label_value(app))
                if is_tracked_by(app, obj)
            )
        return found

    async def _list_api(self, app: str, kinds: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
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
        stored = await self.rest.apply(obj, dry_run=dry_run)
        if self.cache is not None and not dry_run:
            # Read-your-writes: the watch event may lag the answer by a few milliseconds.
            self.cache.remember(stored)
        return stored

    async def delete(self, api_version: str, kind: str, name: str, namespace: str | None) -> bool:
        try:
            return await self.rest.delete(api_version, kind, name, namespace)
        except UnknownKind:
            return False

    async def is_namespaced(self, api_version: str, kind: str) -> bool:
        return (await self.rest.resource(api_version, kind)).namespaced

    async def close(self) -> None:
        if self.cache is not None:
            await self.cache.close()
        await self.rest.close()
