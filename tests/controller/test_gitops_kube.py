"""The GitOps core end to end: Applications as objects in the real API server, a real Git repo
made here, the controller's reconcile writing Argo CD-shaped status."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from seaway.cluster.kubernetes import KubeRest
from seaway.controller.install import install_crds
from seaway.controller.kube_apps import KubeApps
from seaway.controller.loop import Controller
from seaway.controller.service import Settings, build
from seaway.model.keys import ResourceKey
from seaway.model.tracking import APP_LABEL
from tests.conftest import Kube
from tests.gitrepo import Upstream

pytestmark = [pytest.mark.kube, pytest.mark.anyio]


def deployment(name: str, replicas: int = 1, env: dict[str, str] | None = None) -> str:
    container: dict[str, Any] = {"name": "web", "image": "example/web:1.0"}
    if env:
        container["env"] = [{"name": k, "value": v} for k, v in env.items()]
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {"containers": [container]},
                },
            },
        }
    )


def configmap(name: str, **data: str) -> str:
    return yaml.safe_dump(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
    )


@dataclass
class World:
    rest: KubeRest
    controller: Controller
    namespace: str  # where Applications live
    target: str  # where the app deploys
    repo: Upstream

    def application(
        self, name: str, automated: dict[str, Any] | None, **spec: Any
    ) -> dict[str, Any]:
        policy: dict[str, Any] = {"syncOptions": ["CreateNamespace=true"]}
        if automated is not None:
            policy["automated"] = automated
        return {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": name, "namespace": self.namespace},
            "spec": {
                "project": "default",
                "source": {"repoURL": self.repo.url, "targetRevision": "main", "path": "app"},
                "destination": {
                    "server": "https://kubernetes.default.svc",
                    "namespace": self.target,
                },
                "syncPolicy": policy,
                **spec,
            },
        }

    async def create(self, app: dict[str, Any]) -> None:
        await self.rest.apply(app)

    async def reconcile(self, name: str) -> Any:
        """Reconcile once the controller's watch has seen the latest write to the app (in
        production that very event is what triggers the reconcile)."""
        latest = await self.rest.get("argoproj.io/v1alpha1", "Application", name, self.namespace)
        assert latest is not None
        wanted = int(latest["metadata"]["resourceVersion"])
        cache = self.controller.apps.cache
        assert cache is not None
        await cache.watch_kinds([("argoproj.io/v1alpha1", "Application")])
        key = ResourceKey("argoproj.io", "Application", self.namespace, name)
        for _ in range(200):
            seen = cache.get("argoproj.io/v1alpha1", "Application", key)
            if seen is not None and int(seen["metadata"]["resourceVersion"]) >= wanted:
                break
            await asyncio.sleep(0.01)
        return await self.controller.reconcile_one(name)

    async def status(self, name: str) -> dict[str, Any]:
        got = await self.rest.get("argoproj.io/v1alpha1", "Application", name, self.namespace)
        assert got is not None
        return dict(got.get("status") or {})

    async def live(self, api: str, kind: str, name: str) -> dict[str, Any] | None:
        return await self.rest.get(api, kind, name, self.target)


@pytest.fixture
async def world(kube: Kube, tmp_path: Path) -> AsyncIterator[World]:
    rest = KubeRest.from_kubeconfig(kube.kubeconfig)
    await install_crds(rest)
    suffix = uuid.uuid4().hex[:6]
    ns, target = f"seaway-{suffix}", f"guestbook-{suffix}"
    await rest.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    repo = Upstream(tmp_path / "env-repo")
    repo.commit(
        {
            "app/deployment.yaml": deployment("web", env={"COLOR": "blue", "SIZE": "m"}),
            "app/settings.yaml": configmap("settings", color="blue"),
        },
        "v1",
    )
    settings = Settings(namespace=ns, repo_cache=tmp_path / "repos", step_timeout=60)
    controller = build(rest, settings)
    controller.reconciler.poll_interval = 0.2
    try:
        yield World(rest, controller, ns, target, repo)
    finally:
        await controller.close()
        await rest.delete("v1", "Namespace", target)
        await rest.delete("v1", "Namespace", ns)
        await rest.close()


async def test_automated_app_syncs_updates_prunes_and_self_heals(world: World) -> None:
    await world.create(world.application("guestbook", {"prune": True, "selfHeal": True}))
    await world.reconcile("guestbook")

    status = await world.status("guestbook")
    assert status["sync"]["status"] == "Synced", status.get("conditions")
    assert status["sync"]["revision"] == world.repo.git("rev-parse", "HEAD")
    assert status["operationState"]["phase"] == "Succeeded"
    assert [h["id"] for h in status["history"]] == [0]
    web = await world.live("apps/v1", "Deployment", "web")
    assert web is not None
    assert web["metadata"]["labels"][APP_LABEL] == "guestbook"
    kinds = sorted((r["kind"], r["status"]) for r in status["resources"])
    assert kinds == [("ConfigMap", "Synced"), ("Deployment", "Synced")]

    # A new commit: more replicas, one env var removed, the ConfigMap deleted from Git.
    world.repo.commit({"app/deployment.yaml": deployment("web", 2, env={"COLOR": "green"})})
    world.repo.remove("app/settings.yaml")
    await world.reconcile("guestbook")
    status = await world.status("guestbook")
    assert status["sync"]["status"] == "Synced", status
    web = await world.live("apps/v1", "Deployment", "web")
    assert web is not None
    assert web["spec"]["replicas"] == 2
    assert web["spec"]["template"]["spec"]["containers"][0]["env"] == [
        {"name": "COLOR", "value": "green"}
    ]
    assert await world.live("v1", "ConfigMap", "settings") is None
    assert [h["id"] for h in status["history"]] == [0, 1]

    # Someone scales by hand: self-heal puts Git's value back (after Argo CD's 5 s back-off).
    await world.rest.patch("apps/v1", "Deployment", "web", world.target, {"spec": {"replicas": 5}})
    await asyncio.sleep(5.2)
    outcome = await world.reconcile("guestbook")
    assert outcome is not None
    assert outcome.decision is not None
    assert outcome.decision.sync, outcome.decision.reason
    web = await world.live("apps/v1", "Deployment", "web")
    assert web is not None
    assert web["spec"]["replicas"] == 2
    assert (await world.status("guestbook"))["sync"]["status"] == "Synced"
    await _wait_healthy(world, "guestbook")


async def _wait_healthy(world: World, name: str) -> None:
    for _ in range(100):
        await world.reconcile(name)
        if (await world.status(name))["health"]["status"] == "Healthy":
            return
        await asyncio.sleep(0.2)
    raise AssertionError((await world.status(name))["health"])


async def test_manual_app_reports_drift_and_syncs_on_request(world: World) -> None:
    await world.create(world.application("manual", None))
    await world.reconcile("manual")
    status = await world.status("manual")
    assert status["sync"]["status"] == "OutOfSync"
    assert "operationState" not in status
    assert await world.live("apps/v1", "Deployment", "web") is None

    # A person asks for a sync the way `seaway app sync` does: the operation field.
    await world.rest.patch(
        "argoproj.io/v1alpha1",
        "Application",
        "manual",
        world.namespace,
        {"operation": {"sync": {"prune": False}, "initiatedBy": {"username": "alice"}}},
    )
    await world.reconcile("manual")
    status = await world.status("manual")
    assert status["operationState"]["phase"] == "Succeeded"
    assert status["operationState"]["operation"]["initiatedBy"]["username"] == "alice"
    assert status["sync"]["status"] == "Synced"
    app = await world.rest.get("argoproj.io/v1alpha1", "Application", "manual", world.namespace)
    assert app is not None
    assert "operation" not in app

    # Drift on a manual app is reported, not healed.
    await world.rest.patch("v1", "ConfigMap", "settings", world.target, {"data": {"color": "red"}})
    await world.reconcile("manual")
    status = await world.status("manual")
    assert status["sync"]["status"] == "OutOfSync"
    drifted = [r for r in status["resources"] if r["status"] == "OutOfSync"]
    assert [r["name"] for r in drifted] == ["settings"]
    live = await world.live("v1", "ConfigMap", "settings")
    assert live is not None
    assert live["data"] == {"color": "red"}


async def test_broken_render_deletes_nothing(world: World) -> None:
    await world.create(world.application("careful", {"prune": True, "selfHeal": True}))
    await world.reconcile("careful")
    assert (await world.status("careful"))["sync"]["status"] == "Synced"

    world.repo.commit({"app/deployment.yaml": "kind: [unclosed\n"}, "oops")
    await world.reconcile("careful")
    status = await world.status("careful")
    assert status["sync"]["status"] == "Unknown"
    errors = [c for c in status["conditions"] if c["type"] == "ComparisonError"]
    assert len(errors) == 1
    assert "deployment.yaml" in errors[0]["message"]
    assert await world.live("apps/v1", "Deployment", "web") is not None
    assert await world.live("v1", "ConfigMap", "settings") is not None


async def test_empty_render_never_empties_the_cluster_without_allow_empty(world: World) -> None:
    await world.create(world.application("guarded", {"prune": True}))
    await world.reconcile("guarded")
    world.repo.remove("app/deployment.yaml", "app/settings.yaml")
    world.repo.commit({"app/README.md": "nothing here\n"})
    outcome = await world.reconcile("guarded")
    assert outcome is not None
    assert outcome.decision is not None
    assert not outcome.decision.sync
    assert "allowEmpty" in outcome.decision.reason
    assert await world.live("apps/v1", "Deployment", "web") is not None


async def test_project_rules_refuse_an_app_and_name_the_rule(world: World) -> None:
    await world.create(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AppProject",
            "metadata": {"name": "team-a", "namespace": world.namespace},
            "spec": {
                "sourceRepos": ["https://git.example.com/team-a/*"],
                "destinations": [{"server": "*", "namespace": "team-a-*"}],
            },
        }
    )
    await world.create(world.application("outsider", {"prune": True}, project="team-a"))
    await world.reconcile("outsider")
    status = await world.status("outsider")
    assert status["sync"]["status"] == "Unknown"
    messages = " ".join(c["message"] for c in status["conditions"])
    assert "team-a" in messages
    assert world.repo.url in messages
    assert await world.live("apps/v1", "Deployment", "web") is None


async def test_invalid_spec_is_reported_on_the_object(world: World) -> None:
    bad = world.application("bad", None)
    del bad["spec"]["destination"]["server"]
    await world.create(bad)
    await world.reconcile("bad")
    status = await world.status("bad")
    assert status["conditions"][0]["type"] == "InvalidSpecError"
    assert "destination" in status["conditions"][0]["message"]


async def test_interrupted_sync_resumes_at_its_step(world: World) -> None:
    # Two waves: the ConfigMap first, the Deployment after it.
    world.repo.commit(
        {
            "app/settings.yaml": yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {
                        "name": "settings",
                        "annotations": {"argocd.argoproj.io/sync-wave": "-1"},
                    },
                    "data": {"color": "blue"},
                }
            )
        }
    )
    await world.create(world.application("resumed", {"prune": True}))
    head = world.repo.git("rev-parse", "HEAD")
    # The status a controller leaves when it dies right after finishing wave -1.
    await world.rest.patch(
        "argoproj.io/v1alpha1",
        "Application",
        "resumed",
        world.namespace,
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "resumed"},
            "status": {
                "operationState": {
                    "operation": {"sync": {"prune": True}, "initiatedBy": {"automated": True}},
                    "phase": "Running",
                    "startedAt": "2026-01-01T00:00:00Z",
                    "doneSteps": ["Sync/-1"],
                    "syncResult": {"revision": head, "resources": []},
                }
            },
        },
        subresource="status",
        merge=False,
    )
    outcome = await world.reconcile("resumed")
    assert outcome is not None
    assert outcome.synced is not None
    status = await world.status("resumed")
    assert status["operationState"]["phase"] == "Succeeded"
    assert status["operationState"]["startedAt"] == "2026-01-01T00:00:00Z"
    assert status["operationState"]["doneSteps"] == ["Sync/-1", "Sync/0"]
    # Wave -1 was done before the restart: only the Deployment was applied now.
    applied = [r["name"] for r in status["operationState"]["syncResult"]["resources"]]
    assert applied == ["web"]
    assert await world.live("apps/v1", "Deployment", "web") is not None


async def test_controller_loop_picks_up_a_new_app_and_a_new_commit(world: World) -> None:
    world.controller.interval = 1.0
    stop = asyncio.Event()
    task = asyncio.create_task(world.controller.run(stop))
    try:
        await world.create(world.application("looped", {"prune": True}))
        await _until(world, "looped", lambda s: (s.get("sync") or {}).get("status") == "Synced")
        world.repo.commit({"app/settings.yaml": configmap("settings", color="purple")})
        head = world.repo.git("rev-parse", "HEAD")
        await _until(
            world,
            "looped",
            lambda s: (
                (s.get("sync") or {}).get("revision") == head and s["sync"]["status"] == "Synced"
            ),
        )
        live = await world.live("v1", "ConfigMap", "settings")
        assert live is not None
        assert live["data"] == {"color": "purple"}
    finally:
        stop.set()
        await task


async def _until(world: World, name: str, check: Any, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        got = await world.rest.get("argoproj.io/v1alpha1", "Application", name, world.namespace)
        if got is not None and check(got.get("status") or {}):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(await world.status(name))


async def test_drift_is_seen_through_the_watch_and_healed_within_seconds(world: World) -> None:
    # The timer is far away: only the watch on tracked objects can bring the app back.
    world.controller.interval = 600.0
    stop = asyncio.Event()
    task = asyncio.create_task(world.controller.run(stop))
    try:
        await world.create(world.application("watched", {"prune": True, "selfHeal": True}))
        await _until(world, "watched", lambda s: (s.get("sync") or {}).get("status") == "Synced")
        # Past the self-heal back-off that follows a sync.
        await asyncio.sleep(5.5)
        await world.rest.patch(
            "v1", "ConfigMap", "settings", world.target, {"data": {"color": "red"}}
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        while loop.time() - started < 10:
            live = await world.live("v1", "ConfigMap", "settings")
            if live is not None and live["data"] == {"color": "blue"}:
                break
            await asyncio.sleep(0.05)
        healed_after = loop.time() - started
        assert healed_after < 3.0, f"healed after {healed_after:.2f} s"
    finally:
        stop.set()
        await task


async def test_removed_file_is_kept_without_prune_and_reported(world: World) -> None:
    await world.create(world.application("keeper", {"prune": False}))
    await world.reconcile("keeper")
    world.repo.remove("app/settings.yaml")
    await world.reconcile("keeper")
    status = await world.status("keeper")
    assert status["sync"]["status"] == "OutOfSync"
    pruning = [r for r in status["resources"] if r.get("requiresPruning")]
    assert [r["name"] for r in pruning] == ["settings"]
    assert await world.live("v1", "ConfigMap", "settings") is not None


async def test_unreachable_repo_is_a_comparison_error_and_deletes_nothing(
    world: World, tmp_path: Path
) -> None:
    await world.create(world.application("moved", {"prune": True, "selfHeal": True}))
    await world.reconcile("moved")
    app = world.application("moved", {"prune": True, "selfHeal": True})
    app["spec"]["source"]["repoURL"] = (tmp_path / "no-such-repo").as_uri()
    await world.create(app)
    await world.reconcile("moved")
    status = await world.status("moved")
    assert status["sync"]["status"] == "Unknown"
    assert [c["type"] for c in status["conditions"]] == ["ComparisonError"]
    assert "no-such-repo" in status["conditions"][0]["message"]
    assert await world.live("apps/v1", "Deployment", "web") is not None
    assert await world.live("v1", "ConfigMap", "settings") is not None


async def test_bad_kustomization_names_the_file(world: World) -> None:
    world.repo.commit(
        {"app/kustomization.yaml": "resources:\n- deployment.yaml\n- missing.yaml\n"}, "kustomize"
    )
    await world.create(world.application("kusto", {"prune": True}))
    await world.reconcile("kusto")
    status = await world.status("kusto")
    assert status["sync"]["status"] == "Unknown"
    message = status["conditions"][0]["message"]
    assert "missing.yaml" in message
    assert await world.live("apps/v1", "Deployment", "web") is None


async def test_refresh_annotation_makes_the_controller_look_at_git_now(world: World) -> None:
    world.controller.interval = 600.0
    stop = asyncio.Event()
    task = asyncio.create_task(world.controller.run(stop))
    try:
        await world.create(world.application("fresh", {"prune": True}))
        await _until(world, "fresh", lambda s: (s.get("sync") or {}).get("status") == "Synced")
        head = world.repo.commit({"app/settings.yaml": configmap("settings", color="teal")})
        apps = world.controller.apps
        assert isinstance(apps, KubeApps)
        await apps.request_refresh("fresh")
        await _until(
            world,
            "fresh",
            lambda s: (
                (s.get("sync") or {}).get("revision") == head and s["sync"]["status"] == "Synced"
            ),
            timeout=10,
        )
        app = await world.rest.get("argoproj.io/v1alpha1", "Application", "fresh", world.namespace)
        assert app is not None
        for _ in range(50):
            app = await world.rest.get(
                "argoproj.io/v1alpha1", "Application", "fresh", world.namespace
            )
            assert app is not None
            if "argocd.argoproj.io/refresh" not in (app["metadata"].get("annotations") or {}):
                break
            await asyncio.sleep(0.1)
        assert "argocd.argoproj.io/refresh" not in (app["metadata"].get("annotations") or {})
    finally:
        stop.set()
        await task


async def test_unsupported_fields_are_reported_not_ignored(world: World) -> None:
    app = world.application("plugged", None)
    app["spec"]["source"]["plugin"] = {"name": "cdk8s"}
    await world.create(app)
    await world.reconcile("plugged")
    status = await world.status("plugged")
    unsupported = [c for c in status["conditions"] if c["type"] == "UnsupportedField"]
    assert len(unsupported) == 1
    assert "spec.source.plugin" in unsupported[0]["message"]


async def test_drift_reconciles_do_not_ask_git_a_refresh_does(world: World) -> None:
    await world.create(world.application("cached", {"prune": True}))
    await world.reconcile("cached")
    first = (await world.status("cached"))["sync"]["revision"]
    head = world.repo.commit({"app/settings.yaml": configmap("settings", color="olive")})
    # What a watch event triggers: live state is looked at, the resolved revision reused.
    await world.controller.reconcile_one("cached", refresh=False)
    assert (await world.status("cached"))["sync"]["revision"] == first
    await world.controller.reconcile_one("cached", refresh=True)
    assert (await world.status("cached"))["sync"]["revision"] == head


async def test_an_app_deleted_while_it_reconciles_is_no_error(world: World) -> None:
    await world.create(world.application("guestbook", None))
    await world.reconcile("guestbook")
    api = "argoproj.io/v1alpha1"
    await world.rest.delete(api, "Application", "guestbook", world.namespace)
    await world.rest.patch(
        api, "Application", "guestbook", world.namespace, {"metadata": {"finalizers": None}}
    )
    for _ in range(100):
        if await world.rest.get(api, "Application", "guestbook", world.namespace) is None:
            break
        await asyncio.sleep(0.05)
    # The reconcile that was under way when the delete came writes its status last: the API
    # server answers 404, and that is no error.
    await world.controller.apps.write_status("guestbook", {"sync": {"status": "Synced"}})
    assert await world.rest.get(api, "Application", "guestbook", world.namespace) is None
