"""Wiring: one controller over one cluster, from a connection and a few settings."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from dataclasses import dataclass
from pathlib import Path

from seaway.cluster.kubernetes import KubeRest, KubernetesBackend
from seaway.cluster.kubernetes.cache import ClusterCache
from seaway.controller.compare import Comparer
from seaway.controller.kube_apps import KubeApps
from seaway.controller.loop import Controller
from seaway.controller.reconcile import Reconciler
from seaway.source import RenderCache, RepoCache


@dataclass(frozen=True)
class Settings:
    namespace: str = "seaway"
    interval: float = 60.0
    workers: int = 2
    repo_cache: Path | None = None
    step_timeout: float = 300.0
    # Renders kept in memory; one per app and revision is the working set.
    render_cache: int = 4096


def build(rest: KubeRest, settings: Settings) -> Controller:
    cache = ClusterCache(rest)
    backend = KubernetesBackend(rest, cache)
    comparer = Comparer(
        backend,
        RepoCache(settings.repo_cache),
        RenderCache(max_entries=settings.render_cache),
        revision_ttl=settings.interval,
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


async def serve(rest: KubeRest, settings: Settings) -> None:
    """Run until SIGINT or SIGTERM; a sync in flight resumes at its step on the next start."""
    controller = build(rest, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await controller.run(stop)
    finally:
        await controller.close()
