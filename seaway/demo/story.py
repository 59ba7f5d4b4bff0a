"""`seaway demo`: the seed's story on this machine, as far as Seaway has built it.

Everything shown is real: a Git environment repo made here with `dev` and `prod` branches, the
controller on the local backend running the sample web service as processes behind the router,
real commits, real HTTP checks. A step whose part of Seaway is not built yet is shown as such and
nothing is pretended in its place.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from seaway.controller.service import LocalControl, Settings, build_local
from seaway.demo import canary
from seaway.rollout import sanity

BRANCHES = {"dev": 18080, "prod": 18081}
# prod's canary Service: the sanity analysis checks the new version through it alone.
PROD_CANARY_PORT = 18091
# prod's canary: 10 %, then 50 %, each held a moment and checked by the sanity analysis, then all.
CANARY_STEPS: tuple[dict[str, Any], ...] = (
    {"setWeight": 10},
    {"pause": {"duration": "1s"}},
    {"analysis": {"templates": [{"templateName": "sanity"}]}},
    {"setWeight": 50},
    {"pause": {"duration": "1s"}},
    {"analysis": {"templates": [{"templateName": "sanity"}]}},
)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Seaway Demo",
    "GIT_AUTHOR_EMAIL": "demo@seaway.invalid",
    "GIT_COMMITTER_NAME": "Seaway Demo",
    "GIT_COMMITTER_EMAIL": "demo@seaway.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


class Outcome(StrEnum):
    DONE = "done"
    FAILED = "failed"
    NOT_BUILT = "not built yet"


@dataclass
class Step:
    title: str
    outcome: Outcome
    detail: str
    seconds: float = 0.0


@dataclass
class Demo:
    workdir: Path
    on_step: Callable[[Step], None] = lambda step: None
    on_progress: Callable[[str], None] = lambda text: None
    timeout: float = 60.0
    steps: list[Step] = field(default_factory=list)
    control: LocalControl | None = None
    _stop: asyncio.Event | None = None
    _loop: asyncio.Task[None] | None = None

    @property
    def running(self) -> LocalControl:
        if self.control is None:
            raise RuntimeError("the controller has not been started")
        return self.control

    @property
    def repo(self) -> Path:
        return self.workdir / "env-repo"

    # -- Git -----------------------------------------------------------------------------

    def git(self, *args: str, cwd: Path | None = None) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd or self.repo,
            env={**os.environ, **GIT_ENV},
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def manifests(self, env: str, version: str, broken: bool = False) -> dict[str, str]:
        env_vars = [
            {"name": "VERSION", "value": version},
            # Every replica shares one store, as replicas share a database in production.
            {"name": "ITEMS_DB", "value": str(self.workdir / f"items-{env}.db")},
        ]
        if broken:
            env_vars.append({"name": "BROKEN", "value": "1"})
        template = {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "terminationGracePeriodSeconds": 5,
                "containers": [
                    {
                        "name": "web",
                        "image": f"registry.example/demo/web:{version}",
                        # The local backend runs the container's command on this host.
                        "command": [sys.executable, "-m", "seaway.demo.webapp"],
                        "env": env_vars,
                        "ports": [{"name": "http", "containerPort": 8080}],
                        "readinessProbe": {
                            "httpGet": {"path": "/healthz", "port": "http"},
                            "periodSeconds": 0.5,
                        },
                    }
                ],
            },
        }
        if env == "prod":
            return self._prod_manifests(template)
        deployment = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                "template": template,
            },
        }
        service = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"app": "web"},
                "ports": [{"name": "http", "port": BRANCHES[env], "targetPort": "http"}],
            },
        }
        return {
            "app/deployment.yaml": yaml.safe_dump(deployment, sort_keys=False),
            "app/service.yaml": yaml.safe_dump(service, sort_keys=False),
        }

    def _prod_manifests(self, template: dict[str, Any]) -> dict[str, str]:
        """prod runs a Rollout: each new version goes through the canary steps, checked by
        Seaway's sanity analysis (up, key status codes, a CRUD round trip) at each weight."""
        rollout = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Rollout",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": template,
                "strategy": {
                    "canary": {
                        "stableService": "web",
                        "canaryService": "web-canary",
                        "trafficRouting": {"seaway": {"router": "local"}},
                        "steps": list(CANARY_STEPS),
                    }
                },
            },
        }
        analysis = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AnalysisTemplate",
            "metadata": {"name": "sanity"},
            "spec": {
                "metrics": [
                    {
                        "name": "sanity-checks",
                        "provider": {"sanity": {"url": f"http://127.0.0.1:{PROD_CANARY_PORT}"}},
                    }
                ]
            },
        }
        files = {
            "app/rollout.yaml": yaml.safe_dump(rollout, sort_keys=False),
            "app/analysis.yaml": yaml.safe_dump(analysis, sort_keys=False),
        }
        for name, port in (("web", BRANCHES["prod"]), ("web-canary", PROD_CANARY_PORT)):
            service = {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": name},
                "spec": {
                    "selector": {"app": "web"},
                    "ports": [{"name": "http", "port": port, "targetPort": "http"}],
                },
            }
            files[f"app/service-{name}.yaml"] = yaml.safe_dump(service, sort_keys=False)
        return files

    def application(self, env: str) -> dict[str, Any]:
        return {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": f"web-{env}"},
            "spec": {
                "project": "default",
                "source": {"repoURL": self.repo.as_uri(), "targetRevision": env, "path": "app"},
                "destination": {"name": "in-cluster", "namespace": f"demo-{env}"},
                "syncPolicy": {
                    "automated": {"prune": True, "selfHeal": True},
                    "syncOptions": ["CreateNamespace=true"],
                },
            },
        }

    def commit(self, branch: str, files: dict[str, str], message: str) -> str:
        self.git("checkout", "--quiet", branch)
        for name, text in files.items():
            target = self.repo / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        self.git("add", "--all")
        self.git("commit", "--quiet", "-m", message)
        sha = self.git("rev-parse", "HEAD")
        self.git("checkout", "--quiet", "main")
        return sha

    def make_repo(self) -> None:
        self.repo.mkdir(parents=True)
        self.git("init", "--quiet", "--initial-branch", "main")
        apps = {
            f"apps/{env}.yaml": yaml.safe_dump(self.application(env), sort_keys=False)
            for env in BRANCHES
        }
        apps["README.md"] = "Seaway demo environment repo: one branch per environment.\n"
        for name, text in apps.items():
            (self.repo / name).parent.mkdir(parents=True, exist_ok=True)
            (self.repo / name).write_text(text)
        self.git("add", "--all")
        self.git("commit", "--quiet", "-m", "Applications for dev and prod")
        for env in BRANCHES:
            self.git("branch", env)
            self.commit(env, self.manifests(env, "v1"), f"{env}: web v1")

    # -- watching the apps ---------------------------------------------------------------

    def status(self, env: str) -> dict[str, Any]:
        obj = self.running.store.get("Application", f"web-{env}") or {}
        return dict(obj.get("status") or {})

    def url(self, env: str) -> str | None:
        port = self.running.backend.service_port(f"demo-{env}", "web", BRANCHES[env])
        return f"http://127.0.0.1:{port}" if port else None

    async def serving(self, env: str, version: str, sha: str) -> sanity.Report:
        """Wait until the app is Synced at `sha`, Healthy, and answers as `version`."""
        deadline = time.monotonic() + self.timeout
        last = "waiting"
        while time.monotonic() < deadline:
            status = self.status(env)
            sync = (status.get("sync") or {}).get("status")
            revision = (status.get("sync") or {}).get("revision")
            health = (status.get("health") or {}).get("status")
            url = self.url(env)
            last = f"web-{env}: {sync or '-'} / {health or '-'} at {str(revision)[:7]}"
            self.on_progress(last)
            if revision == sha and sync == "Synced" and health == "Healthy" and url:
                report = await asyncio.to_thread(
                    sanity.run,
                    url,
                    (sanity.Request("GET", "/version", 200, expect_json={"version": version}),),
                )
                if report.passed:
                    checks = await asyncio.to_thread(
                        sanity.run, url, sanity.standard_checks(version)
                    )
                    failure = checks.first_failure
                    if failure is not None:
                        raise RuntimeError(f"sanity check failed: {failure.detail}")
                    return checks
            await asyncio.sleep(0.2)
        raise TimeoutError(f"web-{env} did not serve {version} within {self.timeout:g} s ({last})")

    # -- the story -----------------------------------------------------------------------

    async def _step(self, title: str, action: Callable[[], Awaitable[str]]) -> bool:
        started = time.monotonic()
        try:
            detail = await action()
            step = Step(title, Outcome.DONE, detail, time.monotonic() - started)
        except Exception as exc:
            step = Step(
                title, Outcome.FAILED, f"{type(exc).__name__}: {exc}", time.monotonic() - started
            )
        self.steps.append(step)
        self.on_step(step)
        return step.outcome is Outcome.DONE

    def _not_built(self, title: str, detail: str) -> None:
        step = Step(title, Outcome.NOT_BUILT, detail)
        self.steps.append(step)
        self.on_step(step)

    def _refresh(self, env: str) -> None:
        """What a Git webhook does: look at the app's source now, not at the next poll."""
        self.running.controller.enqueue(f"web-{env}", refresh=True)

    async def run(self) -> list[Step]:
        async def repo() -> str:
            await asyncio.to_thread(self.make_repo)
            return f"{self.repo} (branches main, dev, prod)"

        if not await self._step("Git environment repo with dev and prod branches", repo):
            return self.steps

        async def start() -> str:
            self.control = await build_local(
                self.workdir / "data", [self.repo / "apps"], Settings(interval=60.0), tick=0.1
            )
            self.control.controller.reconciler.poll_interval = 0.1
            report = self.control.apps.load(force=True)
            if report.problems:
                raise RuntimeError("; ".join(report.problems))
            self._stop = asyncio.Event()
            self._loop = asyncio.create_task(self.control.controller.run(self._stop))
            return f"local backend, apps {', '.join(sorted(report.changed))}"

        if not await self._step("Controller started on the local backend", start):
            return self.steps

        heads = {env: self.git("rev-parse", env) for env in BRANCHES}
        for env in BRANCHES:

            async def first(env: str = env) -> str:
                report = await self.serving(env, "v1", heads[env])
                return f"{self.url(env)} serves v1; sanity checks: {len(report.outcomes)} passed"

            if not await self._step(f"v1 deployed to {env}", first):
                return self.steps

        async def ci_v2() -> str:
            sha = self.commit("dev", self.manifests("dev", "v2"), "CI: web v2 (image tag v2)")
            self._refresh("dev")
            report = await self.serving("dev", "v2", sha)
            return (
                f"commit {sha[:7]} on dev; dev rolled to v2; sanity checks "
                f"(up, status codes, CRUD round trip): {len(report.outcomes)} passed"
            )

        if not await self._step("CI writes v2's tag into dev; dev syncs", ci_v2):
            return self.steps

        async def promote() -> str:
            sha = self.commit("prod", self.manifests("prod", "v2"), "promote web v2 to prod")
            self._refresh("prod")
            watch = self._weights("prod")
            following = asyncio.create_task(watch.follow())
            try:
                report = await self.serving("prod", "v2", sha)
            finally:
                following.cancel()
            return (
                f"commit {sha[:7]} on prod (promotion by hand; `seaway promote` is issue #6); "
                f"canary {' -> '.join(watch.steps)} -> 100%, the sanity analysis (up, status "
                f"codes, CRUD round trip) passing at each weight; v2 is stable "
                f"({len(report.outcomes)} checks)"
            )

        if not await self._step("prod gets v2 through a canary 10% -> 50% -> 100%", promote):
            return self.steps

        await self._broken_release()
        return self.steps

    async def _broken_release(self) -> None:
        async def broken() -> str:
            sha = self.commit(
                "dev", self.manifests("dev", "v3", broken=True), "CI: web v3 (image tag v3)"
            )
            self._refresh("dev")
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline:
                status = self.status("dev")
                url = self.url("dev")
                sync = status.get("sync") or {}
                if (
                    sync.get("revision") == sha
                    and sync.get("status") == "Synced"
                    and url
                    and (status.get("health") or {}).get("status") == "Healthy"
                ):
                    report = await asyncio.to_thread(sanity.run, url, sanity.standard_checks("v3"))
                    failure = report.first_failure
                    if failure is not None:
                        return f"v3 runs in dev and its sanity check fails: {failure.detail}"
                await asyncio.sleep(0.2)
            raise TimeoutError("v3 did not reach dev")

        if not await self._step("A broken v3 reaches dev; its sanity checks fail", broken):
            return
        if not await self._step(
            "v3 promoted to prod anyway: its canary fails the checks and rolls back by itself",
            self._rollback,
        ):
            return

        async def revert() -> str:
            shas = {}
            for env in BRANCHES:
                self.git("checkout", "--quiet", env)
                self.git("revert", "--no-edit", "HEAD")
                shas[env] = self.git("rev-parse", "HEAD")
                self.git("checkout", "--quiet", "main")
                self._refresh(env)
            checks = [await self.serving(env, "v2", shas[env]) for env in BRANCHES]
            return (
                f"git revert {shas['dev'][:7]} on dev and {shas['prod'][:7]} on prod; both "
                f"serve v2 again, Healthy ({sum(len(r.outcomes) for r in checks)} checks)"
            )

        await self._step("v3 reverted in Git; dev and prod on v2", revert)

    def _weights(self, env: str) -> canary.WeightWatch:
        port = BRANCHES[env]
        listener = f"demo-{env}/web:{port}"
        return canary.WeightWatch(self.running.backend, listener, f"http://127.0.0.1:{port}")

    async def _rollback(self) -> str:
        sha = self.commit(
            "prod", self.manifests("prod", "v3", broken=True), "promote web v3 to prod"
        )
        self._refresh("prod")
        watch = self._weights("prod")
        following = asyncio.create_task(watch.follow(sample=False))
        try:
            failed, health = await self._aborted(sha)
        finally:
            following.cancel()
        back = watch.back_to_stable_after(failed.at)
        split = await asyncio.to_thread(canary.versions, self.url("prod") or "")
        took = f"{back * 1000:.0f} ms" if back is not None else "at once"
        return (
            f"commit {sha[:7]} on prod; canary at 10%: the sanity analysis failed "
            f"(metric {failed.metric} = {failed.value}: {failed.message}); traffic back on "
            f"v2 {took} after the failed check ({canary.describe(split)} of "
            f"{canary.SAMPLE} requests); web-prod {health}"
        )

    async def _aborted(self, sha: str) -> tuple[canary.FailedCheck, str]:
        """Wait for prod's Rollout to abort on its own and the app to read Degraded."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            app = self.status("prod")
            health = app.get("health") or {}
            live = await self.running.backend.get(
                "argoproj.io/v1alpha1", "Rollout", "web", "demo-prod"
            )
            status = dict((live or {}).get("status") or {})
            failed = canary.failed_check(status)
            self.on_progress(
                f"web-prod: canary weight {self._weights('prod').weight()}%, "
                f"{health.get('status', '-')}"
            )
            if (
                (app.get("sync") or {}).get("revision") == sha
                and failed is not None
                and health.get("status") == "Degraded"
            ):
                return failed, f"Degraded: {health.get('message', '')}"
            await asyncio.sleep(0.1)
        raise TimeoutError(f"prod's canary of v3 did not roll back within {self.timeout:g} s")

    def summary(self) -> list[tuple[str, str, str, str, str, str]]:
        rows = []
        for env in BRANCHES:
            status = self.status(env) if self.control is not None else {}
            rows.append(
                (
                    f"web-{env}",
                    env,
                    f"demo-{env}",
                    (status.get("sync") or {}).get("status", "-"),
                    (status.get("health") or {}).get("status", "-"),
                    (self.url(env) if self.control is not None else None) or "-",
                )
            )
        return rows

    async def close(self) -> None:
        if self.control is None:
            return
        if self._stop is not None and self._loop is not None:
            self._stop.set()
            await self._loop
        await self.control.close()
