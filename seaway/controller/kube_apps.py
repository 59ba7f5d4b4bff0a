"""Applications and AppProjects kept as objects in a cluster, with status written back to them,
as Argo CD keeps them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from seaway.cluster.kubernetes import KubeError, KubeRest
from seaway.model import Application, AppProject, ManifestError, parse_object

API_VERSION = "argoproj.io/v1alpha1"


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
    def __init__(self, rest: KubeRest, namespace: str) -> None:
        self.rest = rest
        self.namespace = namespace

    async def apps(self) -> list[StoredApp]:
        raw = await self.rest.list(API_VERSION, "Application", namespace=self.namespace)
        return [_parse_app(obj) for obj in raw]

    async def app(self, name: str) -> StoredApp | None:
        raw = await self.rest.get(API_VERSION, "Application", name, self.namespace)
        return _parse_app(raw) if raw is not None else None

    async def projects(self) -> list[AppProject]:
        out = []
        for obj in await self.rest.list(API_VERSION, "AppProject", namespace=self.namespace):
            try:
                loaded = parse_object(obj, f"AppProject {obj['metadata']['name']}")
            except ManifestError:
                # An invalid project permits nothing: its apps are refused by name lookup.
                continue
            if isinstance(loaded, AppProject):
                out.append(loaded)
        return out

    async def write_status(self, name: str, status: Mapping[str, Any]) -> None:
        await self.rest.patch(
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

    async def clear_operation(self, name: str) -> None:
        """Take a handled sync request off the Application (Argo CD's `operation` field)."""
        try:
            await self.rest.patch(
                API_VERSION, "Application", name, self.namespace, {"operation": None}
            )
        except KubeError as exc:
            if exc.status != 404:
                raise

    async def request_sync(self, name: str, operation: Mapping[str, Any]) -> None:
        await self.rest.patch(
            API_VERSION, "Application", name, self.namespace, {"operation": dict(operation)}
        )

    async def changes(self) -> AsyncIterator[str]:
        """Names of Applications as they change (a watch; ends when the server ends it)."""
        async for _kind, obj in self.rest.watch(
            API_VERSION, "Application", namespace=self.namespace
        ):
            name = (obj.get("metadata") or {}).get("name")
            if name:
                yield str(name)


def _parse_app(obj: dict[str, Any]) -> StoredApp:
    name = str((obj.get("metadata") or {}).get("name", ""))
    try:
        loaded = parse_object(obj, f"Application {name}")
    except ManifestError as exc:
        return StoredApp(name, obj, None, str(exc))
    if not isinstance(loaded, Application):
        return StoredApp(name, obj, None, f"expected an Application, got {type(loaded).__name__}")
    return StoredApp(name, obj, loaded)
