"""The ApplicationSet controller: render each set (seaway.appset) and make its Applications so.

Sets and apps live in a cluster (`KubeAppSets`: ownerReferences to the set, so deleting the set
lets Kubernetes' garbage collector delete the apps) or in Seaway's store (`FileAppSets`, for
`--backend local --apps DIR`). Either way the Application controller then syncs the apps like any
other, and the set's status carries Argo CD's conditions and the list of its apps.

Git generators read Git through the repo cache: one ls-remote per generator and poll, a checkout
only for a commit not seen before. A set that fails to render (a template error, an unreachable
repo, an unsupported generator) changes no app: it reports the error on its status.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from seaway.appset import (
    AppSetError,
    Changes,
    Inputs,
    Rendered,
    appset_status,
    owner_of,
    plan_changes,
    render_set,
)
from seaway.appset.generators import SECRET_TYPE_LABEL
from seaway.appset.status import resource_entry
from seaway.cluster.kubernetes import KubeError, KubeRest
from seaway.cluster.kubernetes.cache import ClusterCache
from seaway.model import ManifestError, parse_object
from seaway.model.applicationset import APPSET_KINDS, ApplicationSet
from seaway.source import RepoCache, SourceError
from seaway.store.sqlite import Store

log = logging.getLogger("seaway.appsets")

API_VERSION = "argoproj.io/v1alpha1"
KIND = "ApplicationSet"


# -- Git through the repo cache ----------------------------------------------------------------


@dataclass(frozen=True)
class CheckoutTree:
    """One commit's checkout, as the git generators read it."""

    root: Path

    def directories(self) -> list[str]:
        found: list[str] = []
        for current, dirs, _files in os.walk(self.root):
            # Hidden folders (.git, .github, ...) are never apps, as in Argo CD.
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            rel = Path(current).relative_to(self.root).as_posix()
            found.extend(f"{rel}/{d}" if rel != "." else d for d in dirs)
        return found

    def files(self) -> list[str]:
        found: list[str] = []
        for current, dirs, files in os.walk(self.root):
            dirs[:] = [d for d in dirs if d != ".git"]
            rel = Path(current).relative_to(self.root).as_posix()
            found.extend(f"{rel}/{f}" if rel != "." else f for f in files)
        return found

    def read(self, path: str) -> str:
        target = (self.root / path).resolve()
        if not target.is_relative_to(self.root.resolve()):
            raise ValueError(f"{path} leads out of the repository")
        return target.read_text()


@dataclass
class RepoGit:
    """The git generators' view of Git: resolve with ls-remote, check out once per commit."""

    cache: RepoCache
    # (repo, revision) -> commit, from the latest render; what a poll compares against.
    resolved: dict[tuple[str, str], str] = field(default_factory=dict)

    def tree(self, repo_url: str, revision: str) -> CheckoutTree:
        try:
            sha = self.cache.resolve(repo_url, revision)
            self.resolved[(repo_url, revision)] = sha
            return CheckoutTree(self.cache.checkout(repo_url, sha))
        except SourceError as exc:
            raise ValueError(str(exc)) from None

    def heads(self, revisions: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str] | None:
        """The commit each (repo, revision) is at now, by ls-remote alone; None if any fails."""
        try:
            return {(url, rev): self.cache.resolve(url, rev) for url, rev in revisions}
        except SourceError:
            return None


# -- where sets and apps live ------------------------------------------------------------------


class AppSetBackend(Protocol):
    namespace: str
    # Whether the local cluster counts without a cluster Secret (always, on the local backend).
    in_cluster_implicit: bool

    async def sets(self) -> list[dict[str, Any]]: ...

    async def apps(self) -> list[dict[str, Any]]: ...

    async def clusters(self) -> list[dict[str, Any]]: ...

    async def put_app(self, app: dict[str, Any], *, create: bool) -> None: ...

    async def delete_app(self, name: str) -> None: ...

    async def write_status(self, name: str, status: Mapping[str, Any]) -> None: ...

    async def close(self) -> None: ...


@dataclass
class KubeAppSets:
    rest: KubeRest
    namespace: str
    in_cluster_implicit: bool = True
    # With a cache, the frequent look for edited sets reads memory kept current by a watch.
    cache: ClusterCache | None = None

    async def sets(self) -> list[dict[str, Any]]:
        if self.cache is None:
            return await self.rest.list(API_VERSION, KIND, namespace=self.namespace)
        await self.cache.watch_kinds([(API_VERSION, KIND)])
        return self.cache.all(API_VERSION, KIND)

    async def close(self) -> None:
        if self.cache is not None:
            await self.cache.close()

    async def apps(self) -> list[dict[str, Any]]:
        if self.cache is None:
            return await self.rest.list(API_VERSION, "Application", namespace=self.namespace)
        # A write may not be in the watch yet: the next poll sees it, and writes are idempotent.
        await self.cache.watch_kinds([(API_VERSION, "Application")])
        return self.cache.all(API_VERSION, "Application")

    async def clusters(self) -> list[dict[str, Any]]:
        return await self.rest.list(
            "v1", "Secret", namespace=self.namespace, label_selector=f"{SECRET_TYPE_LABEL}=cluster"
        )

    async def put_app(self, app: dict[str, Any], *, create: bool) -> None:
        # Server-side apply as Seaway: fields the set no longer sets go, others' fields stay.
        await self.rest.apply(app)

    async def delete_app(self, name: str) -> None:
        await self.rest.delete(API_VERSION, "Application", name, self.namespace)

    async def write_status(self, name: str, status: Mapping[str, Any]) -> None:
        try:
            await self.rest.patch(
                API_VERSION,
                KIND,
                name,
                self.namespace,
                {
                    "apiVersion": API_VERSION,
                    "kind": KIND,
                    "metadata": {"name": name},
                    "status": status,
                },
                subresource="status",
                merge=False,
            )
        except KubeError as exc:
            if exc.status != 404:
                raise


@dataclass
class FileAppSets:
    """Sets loaded from files into the store (FileApps loads them); apps written to the store.

    A set whose file is removed stays in the store, and so do its apps: deleting is an act
    (`delete_set`), as for apps from files."""

    store: Store
    on_change: Callable[[dict[str, Any]], None] | None = None
    namespace: str = "local"
    in_cluster_implicit: bool = True

    async def sets(self) -> list[dict[str, Any]]:
        return self.store.all(KIND)

    async def apps(self) -> list[dict[str, Any]]:
        return self.store.all("Application")

    async def clusters(self) -> list[dict[str, Any]]:
        return []

    async def put_app(self, app: dict[str, Any], *, create: bool) -> None:
        name = str(app["metadata"]["name"])
        finalizers = list(app["metadata"].get("finalizers") or [])
        # The store keeps finalizers beside the body, where deletion looks for them.
        body = {**app, "metadata": {k: v for k, v in app["metadata"].items() if k != "finalizers"}}
        stored, changed = self.store.upsert(body, source=f"{KIND} {owner_of(app)}")
        if (stored.get("metadata") or {}).get("finalizers", []) != finalizers:
            stored = self.store.set_finalizers("Application", name, finalizers)
            changed = True
        if changed and self.on_change is not None:
            self.on_change(stored)

    async def delete_app(self, name: str) -> None:
        self.store.delete("Application", name)
        stored = self.store.get("Application", name)
        if stored is not None and self.on_change is not None:
            self.on_change(stored)

    async def write_status(self, name: str, status: Mapping[str, Any]) -> None:
        with contextlib.suppress(KeyError):
            self.store.write_status(KIND, name, status)

    async def close(self) -> None:
        return None

    def delete_set(self, name: str) -> bool:
        """Delete a set and the apps it made (their resources too, unless the set says
        preserveResourcesOnDeletion: then the apps carry no resources finalizer)."""
        if not self.store.delete(KIND, name):
            return False
        for app in self.store.all("Application"):
            if owner_of(app) == name:
                self.store.delete("Application", str(app["metadata"]["name"]))
                stored = self.store.get("Application", str(app["metadata"]["name"]))
                if stored is not None and self.on_change is not None:
                    self.on_change(stored)
        return True


# -- the controller ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SetOutcome:
    name: str
    changes: Changes | None
    error: str = ""


def parse_appset(raw: Mapping[str, Any]) -> ApplicationSet:
    spec_only = {k: v for k, v in raw.items() if k != "status"}
    name = str((raw.get("metadata") or {}).get("name", ""))
    return parse_object(spec_only, f"{KIND} {name}", kinds=APPSET_KINDS)


@dataclass
class AppSetController:
    backend: AppSetBackend
    git: RepoGit
    interval: float = 180.0
    # How often the sets themselves are listed for edits (cheap: no Git).
    poll: float = 3.0
    # How many renders ran (a poll that finds no new commit reuses the last one).
    renders: int = 0
    _seen: dict[str, Any] = field(default_factory=dict)
    # Per set: what its last render depended on, the commits it read, and the render.
    _memo: dict[str, tuple[Any, dict[tuple[str, str], str], Rendered]] = field(default_factory=dict)
    _last_error: str = ""

    async def reconcile_one(self, raw: Mapping[str, Any]) -> SetOutcome:
        name = str((raw.get("metadata") or {}).get("name", ""))
        previous = dict(raw.get("status") or {})
        if (raw.get("metadata") or {}).get("deletionTimestamp"):
            return SetOutcome(name, None)
        try:
            appset = parse_appset(raw)
        except ManifestError as exc:
            await self._report(name, previous, str(exc), "InvalidSpecError", generated=False)
            return SetOutcome(name, None, str(exc))
        try:
            rendered = await self._render(raw, appset)
        except AppSetError as exc:
            await self._report(name, previous, str(exc), exc.reason, generated=False)
            return SetOutcome(name, None, str(exc))
        existing = await self.backend.apps()
        changes = plan_changes(name, rendered.apps, existing, appset.spec.policy)
        for app in changes.create:
            await self.backend.put_app(app, create=True)
        for app in changes.update:
            await self.backend.put_app(app, create=False)
        for gone in changes.delete:
            await self.backend.delete_app(gone)
        mine = [a for a in await self.backend.apps() if owner_of(a) == name]
        error = "\n".join(changes.conflicts)
        await self._report(name, previous, error, "ApplicationSetApplyError", apps=mine)
        return SetOutcome(name, changes, error)

    async def _render(self, raw: Mapping[str, Any], appset: ApplicationSet) -> Rendered:
        """The set's apps: reused when neither the set, nor the cluster Secrets, nor any commit
        it read moved (one ls-remote per repo and revision tells), rendered anew otherwise."""
        clusters = await self.backend.clusters()
        meta = raw.get("metadata") or {}
        depends = (
            meta.get("uid"),
            meta.get("generation"),
            sorted(
                (str(c["metadata"].get("name")), str(c["metadata"].get("resourceVersion")))
                for c in clusters
            ),
        )
        memo = self._memo.get(appset.name)
        if memo is not None and memo[0] == depends:
            heads = await asyncio.to_thread(self.git.heads, memo[1])
            if heads == memo[1]:
                return memo[2]
        inputs = Inputs(
            clusters=clusters, git=self.git, in_cluster_implicit=self.backend.in_cluster_implicit
        )
        self._memo.pop(appset.name, None)
        rendered = await asyncio.to_thread(render_set, appset, inputs)
        self.renders += 1
        read = {rev: self.git.resolved[rev] for rev in rendered.revisions}
        self._memo[appset.name] = (depends, read, rendered)
        return rendered

    async def _report(
        self,
        name: str,
        previous: dict[str, Any],
        error: str,
        reason: str,
        *,
        generated: bool = True,
        apps: list[dict[str, Any]] | None = None,
    ) -> None:
        if error:
            log.error("ApplicationSet %s: %s", name, error)
        status = appset_status(
            previous, error=error, reason=reason, generated=generated, apps=apps or []
        )
        if status != previous:
            await self.backend.write_status(name, status)

    async def _refresh_resources(self, raw: Mapping[str, Any]) -> None:
        """Keep the set's list of apps (their sync and health) current between renders."""
        name = str(raw["metadata"]["name"])
        previous = dict(raw.get("status") or {})
        mine = [a for a in await self.backend.apps() if owner_of(a) == name]
        resources = sorted((resource_entry(a) for a in mine), key=lambda r: str(r["name"]))
        if resources and resources != previous.get("resources"):
            await self.backend.write_status(name, {**previous, "resources": resources})

    async def reconcile_all(self, only_changed: bool = False) -> list[SetOutcome]:
        outcomes = []
        for raw in await self.backend.sets():
            meta = raw.get("metadata") or {}
            name = str(meta.get("name", ""))
            marker = (meta.get("uid"), meta.get("generation"))
            if only_changed and self._seen.get(name) == marker:
                await self._refresh_resources(raw)
                continue
            self._seen[name] = marker
            try:
                outcomes.append(await self.reconcile_one(raw))
            except Exception:
                log.exception("reconciling ApplicationSet %s failed", name)
        return outcomes

    async def run(self, stop: asyncio.Event) -> None:
        """Edited sets within `poll` seconds; every set (so Git's new commits) every
        `interval`."""
        loop = asyncio.get_running_loop()
        last_full = -self.interval
        while not stop.is_set():
            full = loop.time() - last_full >= self.interval
            try:
                await self.reconcile_all(only_changed=not full)
                self._last_error = ""
            except Exception as exc:
                # Said once, not every poll: e.g. the ApplicationSet CRD is not installed.
                if str(exc) != self._last_error:
                    log.exception("listing ApplicationSets failed")
                self._last_error = str(exc)
            if full:
                last_full = loop.time()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll)
        await self.backend.close()
