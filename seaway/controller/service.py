"""Wiring: one controller over one cluster, from a connection and a few settings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from seaway.cluster.kubernetes import KubeRest, KubernetesBackend
from seaway.cluster.kubernetes.cache import ClusterCache
from seaway.cluster.local.backend import LocalBackend
from seaway.controller.admission import Admission
from seaway.controller.analysis_jobs import job_runners
from seaway.controller.appsets import AppSetController, FileAppSets, KubeAppSets, RepoGit
from seaway.controller.compare import Comparer
from seaway.controller.events import publish_rollout_events
from seaway.controller.file_apps import FILE_KINDS, FileApps, manifest_files
from seaway.controller.image_poll import ImagePoller
from seaway.controller.kube_apps import KubeApps
from seaway.controller.loop import Controller
from seaway.controller.promotion import promotion_loop
from seaway.controller.reconcile import Reconciler
from seaway.controller.release_gate import AttestationGate
from seaway.controller.sealed import SealedSecrets
from seaway.controller.stored import AppStore
from seaway.model import ManifestError, load_documents
from seaway.rollout.analysis.providers import Providers, RouterProvider
from seaway.rollout.driver import RolloutDriver
from seaway.rollout.targets.kubernetes import KubernetesRolloutTarget
from seaway.rollout.targets.local import LocalRolloutTarget
from seaway.source import RenderCache, RepoCache
from seaway.store.sqlite import Store

log = logging.getLogger("seaway.controller")

# Runs the controller until `stop` is set: its plain loop, or the loop with the HTTP API.
RunController = Callable[[Controller, asyncio.Event], Awaitable[None]]


@dataclass(frozen=True)
class Settings:
    namespace: str = "seaway"
    interval: float = 60.0
    workers: int = 2
    repo_cache: Path | None = None
    step_timeout: float = 300.0
    # Renders kept in memory; one per app and revision is the working set.
    render_cache: int = 4096
    # Binary authorization (controller/admission.py): the folder of named policies, registries
    # reached over plain HTTP, and a files store of attestations read besides the registries.
    attestation_policy_dir: Path | None = None
    insecure_registries: tuple[str, ...] = ()
    attestation_store: Path | None = None
    # Seconds between two polls of the image registries apps list (Argo CD Image Updater's
    # annotations); 0 polls nothing.
    image_poll_interval: float = 0.0
    # Stage pipelines (controller/promotion.py), each `URL#BRANCH:PATH`, and seconds between
    # two rounds of their gates.
    pipelines: tuple[str, ...] = ()
    promotion_interval: float = 10.0
    # The sealing key store SealedSecrets are opened with (controller/sealed.py); None is
    # `<data dir>/sealing-keys`.
    sealing_keys: Path | None = None

    def sealed(self, data_dir: Path, *, defer_when_served: bool) -> SealedSecrets:
        return SealedSecrets(self.sealing_keys or data_dir / "sealing-keys", defer_when_served)

    def admission(self) -> Admission:
        return Admission(
            self.attestation_policy_dir, self.insecure_registries, self.attestation_store
        )

    def image_poller(self, apps: AppStore) -> ImagePoller | None:
        if self.image_poll_interval <= 0:
            return None
        return ImagePoller(apps, self.image_poll_interval, self.insecure_registries)


def build(rest: KubeRest, settings: Settings) -> Controller:
    cache = ClusterCache(rest)
    backend = KubernetesBackend(rest, cache)
    comparer = Comparer(
        backend,
        RepoCache(settings.repo_cache),
        RenderCache(max_entries=settings.render_cache),
        revision_ttl=settings.interval,
        admission=settings.admission(),
        sealed=settings.sealed(default_data_dir(), defer_when_served=True),
    )
    reconciler = Reconciler(backend, comparer, step_timeout=settings.step_timeout)
    apps_cache = ClusterCache(rest, selector=None, namespace=settings.namespace)
    controller = Controller(
        KubeApps(rest, settings.namespace, apps_cache),
        reconciler,
        interval=settings.interval,
        workers=settings.workers,
    )
    cache.on_change = controller.on_live_change
    apps_cache.on_change = controller.on_app_change
    return controller


def kube_rollouts(rest: KubeRest) -> RolloutDriver:
    """The cluster's Rollouts, driven through ReplicaSets, Services and HTTPRoutes. A pass
    lists every Rollout, so it runs each second rather than the local backend's 0.2 s."""
    driver = RolloutDriver(KubernetesRolloutTarget(rest), tick=1.0, jobs=job_runners(rest))
    publish_rollout_events(driver)
    return driver


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "seaway"


@dataclass
class LocalControl:
    """The controller on the local backend, with apps from files and status in the store."""

    controller: Controller
    backend: LocalBackend
    apps: FileApps
    store: Store
    rollouts: RolloutDriver | None = None
    _rollouts_stop: asyncio.Event = field(default_factory=asyncio.Event)
    _rollouts_task: asyncio.Task[None] | None = None

    def start_rollouts(self) -> None:
        """Drive the Rollouts of the local backend until `close`."""
        if self.rollouts is not None and self._rollouts_task is None:
            self._rollouts_task = asyncio.create_task(self.rollouts.run(self._rollouts_stop))

    async def close(self) -> None:
        self._rollouts_stop.set()
        if self._rollouts_task is not None:
            await self._rollouts_task
        await self.controller.close()
        await self.backend.close()
        self.store.close()


async def build_local(
    data_dir: Path, app_paths: list[Path], settings: Settings, tick: float = 0.2
) -> LocalControl:
    """Apps from `app_paths` (files or folders), run on this host; state under `data_dir`."""
    store = Store(data_dir / "seaway.db")
    backend = LocalBackend(data_dir / "local", tick=tick)
    await backend.start()
    comparer = Comparer(
        backend,
        RepoCache(settings.repo_cache or data_dir / "repos"),
        RenderCache(max_entries=settings.render_cache),
        revision_ttl=settings.interval,
        admission=settings.admission(),
        sealed=settings.sealed(data_dir, defer_when_served=False),
    )
    reconciler = Reconciler(backend, comparer, step_timeout=settings.step_timeout)
    apps = FileApps(store, app_paths)
    controller = Controller(apps, reconciler, interval=settings.interval, workers=settings.workers)
    backend.on_change = controller.on_live_change
    apps.on_change = controller.on_app_change
    target = LocalRolloutTarget(backend)
    providers = Providers(router=RouterProvider(target.router_snapshot))
    control = LocalControl(
        controller, backend, apps, store, RolloutDriver(target, providers, tick=tick)
    )
    if control.rollouts is not None:
        publish_rollout_events(control.rollouts)
    control.start_rollouts()
    return control


async def watch_files(apps: FileApps, stop: asyncio.Event, every: float = 2.0) -> None:
    """Reload app files as they change (a file that does not load is reported and skipped)."""
    while not stop.is_set():
        apps.load()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


@dataclass
class FilesToCluster:
    """Keeps the Applications and AppProjects of files in the controller's namespace, so apps
    given as files behave exactly as apps created in the cluster. Files only add and update:
    a removed file deletes nothing (deleting is `seaway app delete`)."""

    rest: KubeRest
    namespace: str
    paths: list[Path]
    _stamps: dict[Path, tuple[float, int]] = field(default_factory=dict)

    async def load(self) -> list[str]:
        problems = []
        for file in manifest_files(self.paths):
            try:
                stat = file.stat()
                stamp = (stat.st_mtime, stat.st_size)
                if self._stamps.get(file) == stamp:
                    continue
                objects = load_documents(file.read_text(), str(file), kinds=FILE_KINDS)
            except (ManifestError, OSError, UnicodeDecodeError) as exc:
                problems.append(str(exc))
                continue
            for obj in objects:
                manifest = obj.to_dict()
                manifest.pop("status", None)
                manifest["metadata"]["namespace"] = self.namespace
                await self.rest.apply(manifest)
            self._stamps[file] = stamp
        for problem in problems:
            log.error("not loaded: %s", problem)
        return problems


async def serve(
    rest: KubeRest,
    settings: Settings,
    app_paths: list[Path] | None = None,
    main: RunController | None = None,
) -> None:
    """Run until SIGINT or SIGTERM; a sync in flight resumes at its step on the next start.
    `main` runs the controller instead of its plain loop (`seaway server` adds the API)."""
    controller = build(rest, settings)
    stop = _stop_on_signals()
    tasks = []
    poller = settings.image_poller(controller.apps)
    if poller is not None:
        tasks.append(asyncio.create_task(poller.run(stop)))
    tasks.append(asyncio.create_task(kube_rollouts(rest).run(stop)))
    if app_paths:
        await rest.apply(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": settings.namespace}}
        )
        files = FilesToCluster(rest, settings.namespace, app_paths)
        await files.load()
        tasks.append(asyncio.create_task(_every(files.load, stop)))
    appsets = AppSetController(
        KubeAppSets(
            rest,
            settings.namespace,
            cache=ClusterCache(rest, selector=None, namespace=settings.namespace),
        ),
        RepoGit(RepoCache(settings.repo_cache)),
        interval=settings.interval,
    )
    tasks.append(asyncio.create_task(appsets.run(stop)))
    promotions = promotion_loop(
        controller.apps,
        RepoCache(settings.repo_cache),
        default_data_dir() / "seaway.db",
        settings.pipelines,
        settings.promotion_interval,
        attestations=AttestationGate(
            settings.attestation_policy_dir,
            settings.insecure_registries,
            settings.attestation_store,
        ),
    )
    if promotions is not None:
        tasks.append(asyncio.create_task(promotions.run(stop)))
    try:
        await (main or Controller.run)(controller, stop)
    finally:
        stop.set()
        for task in tasks:
            await task
        await controller.close()


async def _every(action: Callable[[], Awaitable[object]], stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 2.0)
        if not stop.is_set():
            try:
                await action()
            except Exception:
                log.exception("reloading app files failed")


async def serve_local(
    data_dir: Path, app_paths: list[Path], settings: Settings, main: RunController | None = None
) -> None:
    control = await build_local(data_dir, app_paths, settings)
    stop = _stop_on_signals()
    report = control.apps.load(force=True)
    if not report.changed and not report.unchanged:
        log.warning("no Applications found in %s", ", ".join(map(str, app_paths)))
    watcher = asyncio.create_task(watch_files(control.apps, stop))
    poller = settings.image_poller(control.apps)
    polling = asyncio.create_task(poller.run(stop)) if poller is not None else None
    appsets = AppSetController(
        FileAppSets(control.store, control.controller.on_app_change),
        RepoGit(RepoCache(settings.repo_cache or data_dir / "repos")),
        interval=settings.interval,
    )
    appsets_task = asyncio.create_task(appsets.run(stop))
    promotions = promotion_loop(
        control.apps,
        RepoCache(settings.repo_cache or data_dir / "repos"),
        data_dir / "seaway.db",
        settings.pipelines,
        settings.promotion_interval,
        attestations=AttestationGate(
            settings.attestation_policy_dir,
            settings.insecure_registries,
            settings.attestation_store,
        ),
    )
    promoting = asyncio.create_task(promotions.run(stop)) if promotions is not None else None
    try:
        await (main or Controller.run)(control.controller, stop)
    finally:
        stop.set()
        await watcher
        await appsets_task
        if polling is not None:
            await polling
        if promoting is not None:
            await promoting
        await control.close()
