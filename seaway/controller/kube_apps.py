"""Applications and AppProjects kept as objects in a cluster, with status written back to them,
as Argo CD keeps them.

With a cache, both kinds are read from memory kept current by a watch, so a reconcile costs no
API call until it writes; the objects Seaway writes go into the cache at once, so the next
reconcile never reads a status older than the one just written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from seaway.cluster.kubernetes import KubeError, KubeRest
from seaway.cluster.kubernetes.cache import ClusterCache
from seaway.model import Application, AppProject, ManifestError, parse_object
from seaway.model.keys import ResourceKey

API_VERSION = "argoproj.io/v1alpha1"
GROUP = "argoproj.io"
# Argo CD's finalizers that make deleting an Application delete its resources too.
CASCADE_FINALIZERS = (
    "resources-finalizer.argocd.argoproj.io",
    "resources-finalizer.argocd.argoproj.io/background",
)


@dataclass
class StoredApp:
    """An Application as stored: the raw object, and the model or why it does not load."""

    name: str
    raw: dict[str, Any]
    app: Application | None
    error: str = ""

    @property
    def status(self) -> dict[str, Any]:
        return dict(self.raw.get("status") or {})


class KubeApps:
    def __init__(self, rest: KubeRest, namespace: str, cache: ClusterCache | None = None) -> None:
        self.rest = rest
        self.namespace = namespace
        self.cache = cache
        # Parsing is by far the dearest part of reading an app; the spec changes only with
        # its generation, so the model is kept per (uid, generation).
        self._models: dict[str, tuple[tuple[str, Any], StoredApp]] = {}

    async def _objects(self, kind: str) -> list[dict[str, Any]]:
        if self.cache is None:
            return await self.rest.list(API_VERSION, kind, namespace=self.namespace)
        await self.cache.watch_kinds([(API_VERSION, kind)])
        return self.cache.all(API_VERSION, kind)

    async def apps(self) -> list[StoredApp]:
        return [self._parse_app(obj) for obj in await self._objects("Application")]

    async def app(self, name: str) -> StoredApp | None:
        if self.cache is None:
            raw = await self.rest.get(API_VERSION, "Application", name, self.namespace)
        else:
            await self.cache.watch_kinds([(API_VERSION, "Application")])
            key = ResourceKey(GROUP, "Application", self.namespace, name)
            raw = self.cache.get(API_VERSION, "Application", key)
        return self._parse_app(raw) if raw is not None else None

    async def projects(self) -> list[AppProject]:
        out = []
        for obj in await self._objects("AppProject"):
            try:
                loaded = parse_object(obj, f"AppProject {obj['metadata']['name']}")
            except ManifestError:
                # An invalid project permits nothing: its apps are refused by name lookup.
                continue
            if isinstance(loaded, AppProject):
                out.append(loaded)
        return out

    async def write_status(self, name: str, status: Mapping[str, Any]) -> None:
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

    def _remember(self, stored: dict[str, Any]) -> None:
        if self.cache is not None:
            stored.setdefault("apiVersion", API_VERSION)
            stored.setdefault("kind", "Application")
            self.cache.remember(stored)

    def _parse_app(self, obj: dict[str, Any]) -> StoredApp:
        meta = obj.get("metadata") or {}
        name = str(meta.get("name", ""))
        marker = (str(meta.get("uid", "")), meta.get("generation"))
        known = self._models.get(name)
        if known is not None and known[0] == marker and marker[1] is not None:
            return StoredApp(name, obj, known[1].app, known[1].error)
        # Status is Seaway's own output: the model of what the user wrote is the spec.
        spec_only = {k: v for k, v in obj.items() if k != "status"}
        try:
            loaded = parse_object(spec_only, f"Application {name}")
        except ManifestError as exc:
            stored = StoredApp(name, obj, None, str(exc))
        else:
            if isinstance(loaded, Application):
                stored = StoredApp(name, obj, loaded)
            else:
                kind = type(loaded).__name__
                stored = StoredApp(name, obj, None, f"expected an Application, got {kind}")
        self._models[name] = (marker, stored)
        return stored
