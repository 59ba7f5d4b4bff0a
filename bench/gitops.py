"""The GitOps core's speed on the real test control plane.

    .venv/bin/python -m bench gitops --apps 100 --resources 20

Sets up N automated Applications of R ConfigMaps each (ConfigMaps: cheap for the API server, and
no Pods or ClusterIPs to run out of), syncs them all, then measures:
- a no-op reconcile of every app (nothing changed in Git or in the cluster): time, peak RSS;
- commit -> Synced: a commit to one app's folder, announced the way a webhook does (a refresh);
- drift -> healed: an object edited by another field manager, healed through the watch.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import resource
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from seaway.cluster.kubernetes import KubeRest
from seaway.controller.install import install_crds
from seaway.controller.loop import Controller
from seaway.controller.service import Settings, build
from testbed.cluster import ControlPlane, build_all
from tests.gitrepo import Upstream


@dataclass
class Figures:
    apps: int
    resources: int
    setup_s: float
    first_sync_s: float
    noop_s: float
    noop_per_app_ms: float
    peak_rss_mib: float
    commit_to_synced_s: list[float]
    heal_s: list[float]


def _configmaps(app: int, count: int, version: str) -> dict[str, str]:
    files = {}
    for i in range(count):
        doc = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"cm-{i}", "labels": {"bench": "yes"}},
            "data": {"version": version, "index": str(i), "payload": "x" * 64},
        }
        files[f"apps/app-{app}/cm-{i}.yaml"] = yaml.safe_dump(doc)
    return files


def _application(name: str, repo: str, namespace: str, target: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "project": "default",
            "source": {"repoURL": repo, "targetRevision": "main", "path": f"apps/{name}"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": target},
            "syncPolicy": {
                "automated": {"prune": True, "selfHeal": True},
                "syncOptions": ["CreateNamespace=true"],
            },
        },
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def _status(rest: KubeRest, ns: str, name: str) -> dict[str, Any]:
    got = await rest.get("argoproj.io/v1alpha1", "Application", name, ns)
    return dict((got or {}).get("status") or {})


async def _reconcile_all(controller: Controller, names: list[str], workers: int) -> None:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for name in names:
        queue.put_nowait(name)

    async def worker() -> None:
        while not queue.empty():
            name = queue.get_nowait()
            await controller.reconcile_one(name, refresh=False)

    await asyncio.gather(*(worker() for _ in range(workers)))


@dataclass
class _Bench:
    rest: KubeRest
    controller: Controller
    repo: Upstream
    ns: str
    suffix: str
    names: list[str]
    resources: int

    @classmethod
    async def setup(cls, plane: ControlPlane, work: Path, apps: int, resources: int) -> _Bench:
        rest = KubeRest.from_kubeconfig(plane.kubeconfig)
        await install_crds(rest)
        suffix = uuid.uuid4().hex[:6]
        ns = f"bench-{suffix}"
        await rest.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        repo = Upstream(work / "repo")
        files: dict[str, str] = {}
        for app in range(apps):
            files.update(_configmaps(app, resources, "v1"))
        repo.commit(files, "v1")
        names = [f"app-{i}" for i in range(apps)]
        for i, name in enumerate(names):  # one target namespace per app
            await rest.apply(_application(name, repo.url, ns, f"bench-{suffix}-{i}"))
        settings = Settings(namespace=ns, repo_cache=work / "repos", interval=3600)
        controller = build(rest, settings)
        controller.reconciler.poll_interval = 0.05
        return cls(rest, controller, repo, ns, suffix, names, resources)

    async def check_synced(self) -> None:
        unsynced = []
        for name in self.names:
            if (await _status(self.rest, self.ns, name)).get("sync", {}).get("status") != "Synced":
                unsynced.append(name)
        if unsynced:
            example = await _status(self.rest, self.ns, unsynced[0])
            raise RuntimeError(
                f"{len(unsynced)} apps did not sync, e.g. {unsynced[:3]}: "
                f"{example.get('sync')} {example.get('conditions')} "
                f"{(example.get('operationState') or {}).get('message')}"
            )

    async def commit_to_synced(self, round_: int) -> float:
        name = self.names[round_ % len(self.names)]
        index = int(name.split("-")[1])
        head = self.repo.commit(_configmaps(index, self.resources, f"v{round_ + 2}"), "bump")
        t0 = time.perf_counter()
        self.controller.enqueue(name, refresh=True)  # what a webhook does
        while True:
            sync = (await _status(self.rest, self.ns, name)).get("sync") or {}
            if sync.get("revision") == head and sync.get("status") == "Synced":
                return time.perf_counter() - t0
            if time.perf_counter() - t0 > 60:
                raise RuntimeError(f"{name} did not reach {head[:12]}")
            await asyncio.sleep(0.01)

    async def drift_to_healed(self, round_: int) -> float:
        # A different app each round: one app heals at most every 5 s (Argo CD's rule).
        name = self.names[(round_ * 7) % len(self.names)]
        target = f"bench-{self.suffix}-{name.split('-')[1]}"
        cm = f"cm-{round_ % self.resources}"
        live = await self.rest.get("v1", "ConfigMap", cm, target)
        if live is None:
            raise RuntimeError(f"{name}/{cm} not found")
        wanted = live["data"]["version"]
        await self.rest.patch("v1", "ConfigMap", cm, target, {"data": {"version": "drifted"}})
        t0 = time.perf_counter()
        while True:
            got = await self.rest.get("v1", "ConfigMap", cm, target)
            if got is not None and got["data"]["version"] == wanted:
                return time.perf_counter() - t0
            if time.perf_counter() - t0 > 30:
                raise RuntimeError(f"{name}/{cm} was not healed")
            await asyncio.sleep(0.005)


async def _timed_noop(bench: _Bench, workers: int) -> float:
    profile = cProfile.Profile() if os.environ.get("SEAWAY_BENCH_PROFILE") else None
    if profile is not None:
        profile.enable()
    t0 = time.perf_counter()
    await _reconcile_all(bench.controller, bench.names, workers)
    noop = time.perf_counter() - t0
    if profile is not None:
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
    return noop


async def run(apps: int, resources: int, workers: int, samples: int, work: Path) -> Figures:
    started = time.perf_counter()
    plane = ControlPlane(work / "testbed", build_all(log=False), nodes=1)
    plane.start()
    try:
        bench = await _Bench.setup(plane, work, apps, resources)
        setup = time.perf_counter() - started
        t0 = time.perf_counter()
        await _reconcile_all(bench.controller, bench.names, workers)
        first_sync = time.perf_counter() - t0
        await bench.check_synced()
        noop = await _timed_noop(bench, workers)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        # From here the controller runs as it does in production: queue, workers, watches.
        stop = asyncio.Event()
        loop_task = asyncio.create_task(bench.controller.run(stop))
        try:
            await asyncio.sleep(6)  # past the self-heal back-off that follows a sync
            commits = [await bench.commit_to_synced(i) for i in range(samples)]
            await asyncio.sleep(6)
            heals = []
            for i in range(samples):
                heals.append(await bench.drift_to_healed(i))
                await asyncio.sleep(0.2)
        finally:
            stop.set()
            await loop_task
            await bench.controller.close()
            await bench.rest.close()
        return Figures(
            apps=apps,
            resources=resources,
            setup_s=setup,
            first_sync_s=first_sync,
            noop_s=noop,
            noop_per_app_ms=noop / apps * 1000,
            peak_rss_mib=peak,
            commit_to_synced_s=commits,
            heal_s=heals,
        )
    finally:
        plane.stop()


def report(f: Figures) -> str:
    lines = [
        f"apps x resources          {f.apps} x {f.resources} ({f.apps * f.resources} objects)",
        f"setup (cluster, git, CRs) {f.setup_s:8.1f} s",
        f"first sync of all apps    {f.first_sync_s:8.1f} s",
        f"no-op reconcile, all apps {f.noop_s:8.2f} s   ({f.noop_per_app_ms:.2f} ms per app; "
        f"goal 10 s for 1,000 apps: ratio {f.noop_s / (10 * f.apps / 1000):.2f})",
        f"peak RSS                  {f.peak_rss_mib:8.0f} MiB (goal 512 MiB: ratio "
        f"{f.peak_rss_mib / 512:.2f})",
    ]
    if f.commit_to_synced_s:
        c = f.commit_to_synced_s
        lines.append(
            f"commit -> Synced          p50 {statistics.median(c):.3f} s, "
            f"p99 {_percentile(c, 0.99):.3f} s, max {max(c):.3f} s (n={len(c)})"
        )
    if f.heal_s:
        h = f.heal_s
        lines.append(
            f"drift -> healed           p50 {statistics.median(h):.3f} s, "
            f"p99 {_percentile(h, 0.99):.3f} s, max {max(h):.3f} s (n={len(h)}; goal p99 1 s: "
            f"ratio {_percentile(h, 0.99) / 1.0:.2f})"
        )
    return "\n".join(lines)


def main(apps: int, resources: int, workers: int, samples: int) -> None:
    with tempfile.TemporaryDirectory(prefix="seaway-bench-") as tmp:
        figures = asyncio.run(run(apps, resources, workers, samples, Path(tmp)))
    print(report(figures))
