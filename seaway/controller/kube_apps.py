"""Applications and AppProjects kept as objects in a cluster, with status written back to them,
as Argo CD keeps them.

With a cache, both kinds are read from memory kept current by a watch, so a reconcile costs no
API call until it writes; the objects Seaway writes go into the cache at once, so the next
reconcile never reads a status older than the one just written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from seaway.cluster.kubernetes import KubeError, KubeRest
from seaway.cluster.kubernetes.cache import ClusterCache
from seaway.controller.stored import AppParser, StoredApp, parse_projects
from seaway.model import AppProject
from seaway.model.keys import ResourceKey

API_VERSION = "argoproj.io/v1alpha1"
GROUP = "argoproj.io"
# Argo CD's way to ask for a look at Git now (`argocd app get --refresh` sets it).
REFRESH_ANNOTATION = "argocd.argoproj.io/refresh"
# Argo CD's finalizers that make deleting an Application delete its resources too.
CASCADE_FINALIZERS = (
    "resources-finalizer.argocd.argoproj.io",
    "resources-finalizer.argocd.argoproj.io/background",
)


class KubeApps:
    def __init__(self, rest: KubeRest, namespace: str, cache: ClusterCache | None = None) -> None:
        self.rest = rest
        self.namespace = namespace
        self.cache = cache
        self._parser = AppParser()

    async def _objects(self, kind: str) -> list[dict[str, Any]]:
        if self.cache is None:
            return await self.rest.list(API_VERSION, kind, namespace=self.namespace)
        await self.cache.watch_kinds([(API_VERSION, kind)])
        return self.cache.all(API_VERSION, kind)

    async def apps(self) -> list[StoredApp]:
        return [self._parser.app(obj) for obj in await self._objects("Application")]

    async def app(self, name: str) -> StoredApp | None:
        if self.cache is None:
            raw = await self.rest.get(API_VERSION, "Application", name, self.namespace)
        else:
            await self.cache.watch_kinds([(API_VERSION, "Application")])
            key = ResourceKey(GROUP, "Application", self.namespace, name)
            raw = self.cache.get(API_VERSION, "Application", key)
        return self._parser.app(raw) if raw is not None else None

    async def projects(self) -> list[AppProject]:
        return parse_projects(await self._objects("AppProject"))

    async def write_status(self, name: str, status: Mapping[str, Any]) -> None:
        try:
            stored = await self.rest.patch(
                API_VERSION,
                "Application",
                name,
                self.namespace,
                {
                    "apiVersion": API_VERSION,
                    "kind": "Application",
                    "metadata": {"name": name},
                    "status": dict(status),
                },
                subresource="status",
                merge=False,
            )
        except KubeError as exc:
            # Deleted while it was reconciled (its set went, or a person deleted it): the status
            # has nowhere to go, and the watch brings the deletion next.
            if exc.status != 404:
                raise
            return
        self._remember(stored)

    async def clear_operation(self, name: str) -> None:
        """Take a handled sync request off the Application (Argo CD's `operation` field)."""
        try:
            stored = await self.rest.patch(
                API_VERSION, "Application", name, self.namespace, {"operation": None}
            )
        except KubeError as exc:
            if exc.status != 404:
                raise
            return
        self._remember(stored)

    async def clear_refresh(self, name: str) -> None:
        try:
            stored = await self.rest.patch(
                API_VERSION,
                "Application",
                name,
                self.namespace,
                {"metadata": {"annotations": {REFRESH_ANNOTATION: None}}},
            )
        except KubeError as exc:
            if exc.status != 404:
                raise
            return
        self._remember(stored)

    async def request_refresh(self, name: str) -> None:
        await self.rest.patch(
            API_VERSION,
            "Application",
            name,
            self.namespace,
            {"metadata": {"annotations": {REFRESH_ANNOTATION: "normal"}}},
        )

    async def remove_finalizers(self, name: str, keep: list[str]) -> None:
        try:
            stored = await self.rest.patch(
                API_VERSION, "Application", name, self.namespace, {"metadata": {"finalizers": keep}}
            )
        except KubeError as exc:
            if exc.status != 404:
                raise
            return
        self._remember(stored)

    async def request_sync(self, name: str, operation: Mapping[str, Any]) -> None:
        await self.rest.patch(
            API_VERSION, "Application", name, self.namespace, {"operation": dict(operation)}
        )

    async def close(self) -> None:
        if self.cache is not None:
            await self.cache.close()

    def _remember(self, stored: dict[str, Any]) -> None:
        if self.cache is not None:
            stored.setdefault("apiVersion", API_VERSION)
            stored.setdefault("kind", "Application")
            self.cache.remember(stored)
