"""A watch-based cache of the objects Seaway tracks, as Argo CD's cluster cache keeps one.

For each kind some application uses, one LIST (label selector `seaway.io/app`) seeds the cache
and one WATCH from that list's resourceVersion keeps it current. Reconciles then read live state
from memory instead of asking the API server for every object, and a change made by anyone to a
tracked object reaches `on_change` within the watch's latency, which is how drift is seen at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from seaway.cluster.kubernetes.rest import KubeError, KubeRest
from seaway.model.keys import ResourceKey
from seaway.model.tracking import APP_LABEL

log = logging.getLogger("seaway.cluster.cache")

OnChange = Callable[[dict[str, Any]], None]


def _rv(obj: dict[str, Any]) -> int:
    try:
        return int((obj.get("metadata") or {}).get("resourceVersion", 0))
    except (TypeError, ValueError):
        return 0


def _app_label(obj: dict[str, Any]) -> str | None:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    value = labels.get(APP_LABEL)
    return str(value) if value is not None else None


@dataclass
class _KindCache:
    api_version: str
    kind: str
    objects: dict[ResourceKey, dict[str, Any]] = field(default_factory=dict)
    # The same objects by app label: an app's objects are found without scanning every object.
    by_app: dict[str, dict[ResourceKey, dict[str, Any]]] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    error: BaseException | None = None

    def put(self, key: ResourceKey, obj: dict[str, Any]) -> None:
        self.drop(key)
        self.objects[key] = obj
        label = _app_label(obj)
        if label is not None:
            self.by_app.setdefault(label, {})[key] = obj

    def drop(self, key: ResourceKey) -> None:
        old = self.objects.pop(key, None)
        if old is None:
            return
        label = _app_label(old)
        if label is not None:
            group = self.by_app.get(label)
            if group is not None:
                group.pop(key, None)
                if not group:
                    del self.by_app[label]

    def replace_all(self, fresh: dict[ResourceKey, dict[str, Any]]) -> None:
        self.objects = {}
        self.by_app = {}
        for key, obj in fresh.items():
            self.put(key, obj)


class ClusterCache:
    """`selector` limits what is cached (by default: objects carrying an app label);
    `namespace` limits it to one namespace."""

    def __init__(
        self,
        rest: KubeRest,
        on_change: OnChange | None = None,
        *,
        selector: str | None = APP_LABEL,
        namespace: str | None = None,
    ) -> None:
        self.rest = rest
        self.on_change = on_change
        self.selector = selector
        self.namespace = namespace
        self._kinds: dict[tuple[str, str], _KindCache] = {}
        self._lock = asyncio.Lock()
        self.events = 0

    async def watch_kinds(self, kinds: Iterable[tuple[str, str]]) -> None:
        """Make sure each (apiVersion, kind) is cached; waits for the first LIST of new ones."""
        wanted: list[_KindCache] = []
        async with self._lock:
            for api_version, kind in kinds:
                entry = self._kinds.get((api_version, kind))
                if entry is None:
                    entry = _KindCache(api_version, kind)
                    self._kinds[(api_version, kind)] = entry
                    entry.task = asyncio.create_task(self._run(entry))
                wanted.append(entry)
        # Also wait for kinds another caller started: their first LIST may still be running.
        for entry in wanted:
            await entry.ready.wait()
        for entry in wanted:
            if entry.error is not None:
                # Not cacheable (unknown kind, no permission): forget it so a later call retries.
                self._kinds.pop((entry.api_version, entry.kind), None)
                raise entry.error

    def cached(self, api_version: str, kind: str) -> bool:
        entry = self._kinds.get((api_version, kind))
        return entry is not None and entry.ready.is_set() and entry.error is None

    def get(self, api_version: str, kind: str, key: ResourceKey) -> dict[str, Any] | None:
        entry = self._kinds.get((api_version, kind))
        return entry.objects.get(key) if entry else None

    def by_label(self, api_version: str, kind: str, label: str) -> list[dict[str, Any]]:
        entry = self._kinds.get((api_version, kind))
        if entry is None:
            return []
        return list(entry.by_app.get(label, {}).values())

    def all(self, api_version: str, kind: str) -> list[dict[str, Any]]:
        entry = self._kinds.get((api_version, kind))
        return list(entry.objects.values()) if entry is not None else []

    def remember(self, obj: dict[str, Any]) -> None:
        """Take an object the API server just returned (after a write), unless older."""
        entry = self._kinds.get((str(obj.get("apiVersion")), str(obj.get("kind"))))
        if entry is None:
            return
        key = ResourceKey.from_object(obj)
        if self.selector == APP_LABEL and _app_label(obj) is None:
            entry.drop(key)
            return
        current = entry.objects.get(key)
        if current is None or _rv(obj) >= _rv(current):
            entry.put(key, obj)

    async def close(self) -> None:
        tasks = [e.task for e in self._kinds.values() if e.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._kinds.clear()

    async def _run(self, entry: _KindCache) -> None:
        selector = self.selector
        while True:
            try:
                listing = await self.rest.list_with_version(
                    entry.api_version, entry.kind, self.namespace, label_selector=selector
                )
            except (KubeError, OSError) as exc:
                if not entry.ready.is_set():
                    entry.error = exc
                    entry.ready.set()
                    return
                log.warning("relisting %s failed: %s; retrying", entry.kind, exc)
                await asyncio.sleep(1)
                continue
            items, version = listing
            fresh = {ResourceKey.from_object(o): o for o in items}
            old = entry.objects
            changed = _changed_keys(old, fresh)
            entry.replace_all(fresh)
            first = not entry.ready.is_set()
            entry.ready.set()
            if not first:
                for key in changed:
                    self._notify(fresh.get(key) or old.get(key))
            try:
                await self._watch(entry, selector, version)
            except KubeError as exc:
                # 410 Gone: our resourceVersion is too old; relist and watch again.
                if exc.status != 410:
                    log.warning("watching %s failed: %s; relisting", entry.kind, exc)
                    await asyncio.sleep(0.5)
            except (OSError, ValueError) as exc:
                log.warning("watch of %s broke: %s; relisting", entry.kind, exc)
                await asyncio.sleep(0.5)

    async def _watch(self, entry: _KindCache, selector: str | None, version: str) -> None:
        async for kind, obj in self.rest.watch(
            entry.api_version,
            entry.kind,
            namespace=self.namespace,
            label_selector=selector,
            resource_version=version,
            timeout_seconds=300,
            bookmarks=True,
        ):
            if kind == "ERROR":
                code = int(obj.get("code", 500))
                raise KubeError(code, str(obj.get("reason", "")), str(obj.get("message", "")))
            version = str((obj.get("metadata") or {}).get("resourceVersion", version))
            if kind == "BOOKMARK":
                continue
            obj.setdefault("apiVersion", entry.api_version)
            obj.setdefault("kind", entry.kind)
            key = ResourceKey.from_object(obj)
            self.events += 1
            if kind == "DELETED":
                entry.drop(key)
                self._notify(obj)
                continue
            current = entry.objects.get(key)
            if current is not None and _rv(current) > _rv(obj):
                continue
            entry.put(key, obj)
            self._notify(obj)

    def _notify(self, obj: dict[str, Any] | None) -> None:
        if self.on_change is not None and obj is not None:
            self.on_change(obj)


def _changed_keys(
    old: dict[ResourceKey, dict[str, Any]], new: dict[ResourceKey, dict[str, Any]]
) -> set[ResourceKey]:
    return {
        key for key in old.keys() | new.keys() if _rv(old.get(key) or {}) != _rv(new.get(key) or {})
    }
