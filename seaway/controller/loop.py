"""The reconcile loop: every app is reconciled on a timer, at once when its spec changes or a
sync is requested, and again when a held-back sync (retry, self-heal) becomes due.

One worker handles one app at a time; an app is never reconciled by two workers at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from seaway.controller.kube_apps import CASCADE_FINALIZERS, REFRESH_ANNOTATION
from seaway.controller.reconcile import Outcome, Reconciler, SyncRequest, kinds_in_status
from seaway.controller.stored import AppStore, StoredApp
from seaway.model import Application, AppProject, default_project, resolve_project
from seaway.model.status import ApplicationConditionType, HealthStatus, SyncStatus
from seaway.model.tracking import APP_LABEL
from seaway.sync.kinds import kind_rank

log = logging.getLogger("seaway.controller")


def _invalid_status(message: str, previous: Mapping[str, Any]) -> dict[str, Any]:
    status = dict(previous)
    status["sync"] = {**(previous.get("sync") or {}), "status": SyncStatus.UNKNOWN.value}
    status["health"] = {"status": HealthStatus.UNKNOWN.value, "message": "spec is invalid"}
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    kind = ApplicationConditionType.INVALID_SPEC_ERROR.value
    # The same problem keeps the time it was first seen, so an unchanged status is not rewritten.
    since = next(
        (
            c.get("lastTransitionTime")
            for c in previous.get("conditions") or []
            if c.get("type") == kind and c.get("message") == message
        ),
        None,
    )
    status["conditions"] = [{"type": kind, "message": message, "lastTransitionTime": since or now}]
    status["reconciledAt"] = now
    return status


_TIMESTAMPS = ("reconciledAt", "observedAt")


def _without_times(status: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in status.items() if k not in _TIMESTAMPS}


def _request(raw: Mapping[str, Any]) -> SyncRequest | None:
    operation = raw.get("operation") or {}
    sync = operation.get("sync")
    if sync is None:
        return None
    return SyncRequest(
        prune=bool(sync.get("prune")),
        revision=sync.get("revision") or None,
        username=str((operation.get("initiatedBy") or {}).get("username", "")),
    )


@dataclass
class Controller:
    apps: AppStore
    reconciler: Reconciler
    interval: float = 180.0
    workers: int = 2
    _queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    _pending: set[str] = field(default_factory=set)
    _running: set[str] = field(default_factory=set)
    _generations: dict[str, Any] = field(default_factory=dict)
    _timers: dict[str, asyncio.TimerHandle] = field(default_factory=dict)
    # Apps whose next reconcile must ask Git for new revisions (not only look at live state).
    _refresh: set[str] = field(default_factory=set)

    def enqueue(self, name: str, refresh: bool = False) -> None:
        if refresh:
            self._refresh.add(name)
        if name not in self._pending:
            self._pending.add(name)
            self._queue.put_nowait(name)

    def on_live_change(self, obj: dict[str, Any]) -> None:
        """A tracked object changed in the cluster: look at its app now (drift, health)."""
        label = ((obj.get("metadata") or {}).get("labels") or {}).get(APP_LABEL)
        if label:
            self.enqueue(str(label))

    def on_app_change(self, obj: dict[str, Any]) -> None:
        """An Application changed. Status writes (ours) leave the generation alone; spec edits
        and sync requests change it, and then Git is asked again."""
        if obj.get("kind", "Application") != "Application":
            return
        meta = obj.get("metadata") or {}
        name = str(meta.get("name", ""))
        marker = (
            meta.get("generation"),
            bool(obj.get("operation")),
            bool(meta.get("deletionTimestamp")),
            (meta.get("annotations") or {}).get(REFRESH_ANNOTATION),
        )
        if name and self._generations.get(name) != marker:
            self._generations[name] = marker
            self.enqueue(name, refresh=True)

    async def reconcile_one(self, name: str, refresh: bool = True) -> Outcome | None:
        stored = await self.apps.app(name)
        if stored is None:
            self._generations.pop(name, None)
            return None
        if (stored.raw.get("metadata") or {}).get("deletionTimestamp"):
            await self._finish_deletion(stored)
            return None
        if stored.app is None:
            await self.apps.write_status(name, _invalid_status(stored.error, stored.status))
            return None
        project = await self._project(stored.app)
        if project is None:
            message = f"project {stored.app.spec.project_name!r} does not exist"
            await self.apps.write_status(name, _invalid_status(message, stored.status))
            return None
        request = _request(stored.raw)
        asked_refresh = REFRESH_ANNOTATION in (
            (stored.raw.get("metadata") or {}).get("annotations") or {}
        )
        refresh = refresh or asked_refresh

        last_written = stored.status

        async def save(status: dict[str, Any]) -> None:
            nonlocal last_written
            # A reconcile that changed nothing but its timestamps writes nothing: with many
            # apps, status writes would otherwise be most of the API traffic.
            if _without_times(status) == _without_times(last_written):
                return
            await self.apps.write_status(name, status)
            last_written = status

        outcome = await self.reconciler.reconcile(
            stored.app, project, stored.status, save=save, request=request, refresh=refresh
        )
        if request is not None:
            await self.apps.clear_operation(name)
        if asked_refresh:
            await self.apps.clear_refresh(name)
        decision = outcome.decision
        if decision is not None and decision.retry_at is not None:
            self._later(name, decision.retry_at)
        return outcome

    async def _finish_deletion(self, stored: StoredApp) -> None:
        """An Application being deleted with Argo CD's resources finalizer takes its objects
        with it (cascade); without the finalizer, its objects stay where they are."""
        meta = stored.raw.get("metadata") or {}
        finalizers = list(meta.get("finalizers") or [])
        ours = [f for f in finalizers if f in CASCADE_FINALIZERS]
        if not ours:
            return
        kinds = kinds_in_status(stored.status)
        backend = self.reconciler.backend
        live = await backend.list_app(stored.name, kinds)
        for obj in sorted(live, key=lambda o: -kind_rank(str(o.get("kind")))):
            m = obj.get("metadata") or {}
            await backend.delete(
                str(obj["apiVersion"]), str(obj["kind"]), str(m["name"]), m.get("namespace")
            )
        if live:
            # Look again shortly: the finalizer goes only once the objects are gone.
            self._later(stored.name, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
            return
        await self.apps.remove_finalizers(stored.name, [f for f in finalizers if f not in ours])

    async def _project(self, app: Application) -> AppProject | None:
        wanted = app.spec.project_name
        found = resolve_project(wanted, await self.apps.projects())
        if found is None and wanted == "default":
            return default_project(self.apps.namespace)
        return found

    def _later(self, name: str, when: dt.datetime) -> None:
        loop = asyncio.get_running_loop()
        delay = max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
        old = self._timers.pop(name, None)
        if old is not None:
            old.cancel()
        self._timers[name] = loop.call_later(delay, self.enqueue, name)

    async def _worker(self) -> None:
        while True:
            name = await self._queue.get()
            self._pending.discard(name)
            if name in self._running:
                # Another worker has it; look again once it is done.
                self._later(name, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
                continue
            self._running.add(name)
            refresh = name in self._refresh
            self._refresh.discard(name)
            try:
                await self.reconcile_one(name, refresh=refresh)
            except Exception:
                log.exception("reconciling %s failed", name)
            finally:
                self._running.discard(name)

    async def _ticker(self) -> None:
        while True:
            try:
                for stored in await self.apps.apps():
                    self.enqueue(stored.name, refresh=True)
            except Exception:
                log.exception("listing Applications failed")
            await asyncio.sleep(self.interval)

    async def close(self) -> None:
        """Stop the watches; the connection itself belongs to whoever made it."""
        for timer in self._timers.values():
            timer.cancel()
        await self.apps.close()
        cache = getattr(self.reconciler.backend, "cache", None)
        if cache is not None:
            await cache.close()

    async def run(self, stop: asyncio.Event) -> None:
        tasks = [asyncio.create_task(self._worker()) for _ in range(self.workers)]
        tasks.append(asyncio.create_task(self._ticker()))
        try:
            await stop.wait()
        finally:
            for timer in self._timers.values():
                timer.cancel()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
