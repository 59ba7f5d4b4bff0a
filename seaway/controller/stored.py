"""Applications as stored (in a cluster or in Seaway's own store), and reading them into models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from seaway.model import Application, AppProject, ManifestError, parse_object


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


class AppParser:
    """Parsing is by far the dearest part of reading an app; the spec changes only with its
    generation, so the model is kept per (uid, generation)."""

    def __init__(self) -> None:
        self._models: dict[str, tuple[tuple[str, Any], StoredApp]] = {}

    def app(self, obj: dict[str, Any]) -> StoredApp:
        meta = obj.get("metadata") or {}
        name = str(meta.get("name", ""))
        marker = (str(meta.get("uid", "")), meta.get("generation"))
        known = self._models.get(name)
        if known is not None and known[0] == marker and marker[1] is not None:
            return StoredApp(name, obj, known[1].app, known[1].error)
        # Status is Seaway's own output and operation a pending request: neither is spec.
        spec_only = {k: v for k, v in obj.items() if k not in ("status", "operation")}
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


def parse_projects(objects: list[dict[str, Any]]) -> list[AppProject]:
    out = []
    for obj in objects:
        try:
            loaded = parse_object(obj, f"AppProject {obj['metadata']['name']}")
        except ManifestError:
            # An invalid project permits nothing: its apps are refused by name lookup.
            continue
        if isinstance(loaded, AppProject):
            out.append(loaded)
    return out


class AppStore(Protocol):
    """Where Applications live and their status is written: a cluster (KubeApps) or Seaway's
    own store (FileApps). The controller works the same over either."""

    namespace: str

    async def apps(self) -> list[StoredApp]: ...

    async def app(self, name: str) -> StoredApp | None: ...

    async def projects(self) -> list[AppProject]: ...

    async def write_status(self, name: str, status: Mapping[str, Any]) -> None: ...

    async def clear_operation(self, name: str) -> None: ...

    async def remove_finalizers(self, name: str, keep: list[str]) -> None: ...

    async def request_sync(self, name: str, operation: Mapping[str, Any]) -> None: ...

    async def clear_refresh(self, name: str) -> None: ...

    async def close(self) -> None: ...
