"""A real Seaway server for the API tests: the local backend, apps from files, a real Git repo
made here, the HTTP API on uvicorn at 127.0.0.1 (a free port), httpx2 as the client."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import yaml

from seaway.api.auth import Access, Enforcer, LoginLimiter
from seaway.api.auth.store import InitialPassword
from seaway.api.server import ApiServer
from seaway.api.webhook.secrets import WebhookSecrets
from seaway.controller.service import LocalControl, Settings, build_local, watch_files
from seaway.notify.config import NotifyConfig
from tests.gitrepo import Upstream

USER_PASSWORD = "correct horse battery staple"
PROJECTS = ("team-a", "team-b")


def configmap(name: str, **data: str) -> str:
    return yaml.safe_dump(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
    )


def application(
    name: str, project: str, repo: str, path: str = "app", **spec: Any
) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name},
        "spec": {
            "project": project,
            "source": {"repoURL": repo, "targetRevision": "main", "path": path},
            "destination": {"name": "in-cluster", "namespace": f"ns-{name}"},
            "syncPolicy": {"syncOptions": ["CreateNamespace=true"]},
            **spec,
        },
    }


def project(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": name},
        "spec": {
            "sourceRepos": ["*"],
            "destinations": [{"name": "*", "namespace": "*", "server": "*"}],
            "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
        },
    }


@dataclass
class Live:
    server: ApiServer
    control: LocalControl
    access: Access
    upstream: Upstream
    apps_dir: Path
    data_dir: Path

    @property
    def url(self) -> str:
        return self.server.url

    def admin_password(self) -> str:
        password = self.access.initial_password().password
        if password is None:
            raise AssertionError("the initial admin password is gone")
        return password

    def client(self, token: str | None = None, **kw: Any) -> httpx2.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        kw.setdefault("timeout", 30.0)
        return httpx2.AsyncClient(base_url=self.url, headers=headers, **kw)

    async def login(self, username: str, password: str | None = None) -> str:
        async with self.client() as client:
            answer = await client.post(
                "/api/v1/session",
                json={"username": username, "password": password or self.admin_password()},
            )
        answer.raise_for_status()
        return str(answer.json()["token"])

    def add_user(self, name: str) -> None:
        self.access.store.create_user(name, USER_PASSWORD, InitialPassword.NONE)

    def write_app(self, name: str, project: str, **spec: Any) -> None:
        app = application(name, project, self.upstream.url, **spec)
        (self.apps_dir / f"{name}.yaml").write_text(yaml.safe_dump(app))
        self.control.apps.load()

    def status(self, name: str) -> dict[str, Any]:
        obj = self.control.store.get("Application", name) or {}
        return dict(obj.get("status") or {})

    async def wait_for(
        self, name: str, check: Callable[[dict[str, Any]], bool], timeout: float = 60.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        status = self.status(name)
        while time.monotonic() < deadline:
            status = self.status(name)
            if check(status):
                return status
            await asyncio.sleep(0.1)
        raise AssertionError(f"{name} did not reach the state within {timeout} s: {status}")

    async def idle(self, timeout: float = 30.0) -> None:
        """Until the controller has nothing queued, running or timed (for half a second), so a test
        that commits next knows no reconcile from before the commit is still to come."""
        controller = self.control.controller
        deadline = time.monotonic() + timeout
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            now = asyncio.get_running_loop().time()
            timers = [
                t for t in controller._timers.values() if not t.cancelled() and t.when() > now
            ]
            if controller._pending or controller._running or timers:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= 0.5:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the controller did not go idle")


def sync_of(status: dict[str, Any]) -> str:
    return str((status.get("sync") or {}).get("status") or "")


def revision_of(status: dict[str, Any]) -> str:
    return str((status.get("sync") or {}).get("revision") or "")


def health_of(status: dict[str, Any]) -> str:
    return str((status.get("health") or {}).get("status") or "")


@contextlib.asynccontextmanager
async def live_server(
    tmp_path: Path,
    *,
    enforcer: Enforcer | None = None,
    webhooks: WebhookSecrets | None = None,
    notifications: NotifyConfig | None = None,
    apps: tuple[tuple[str, str], ...] = (("web-a", "team-a"), ("web-b", "team-b")),
    limiter: LoginLimiter | None = None,
) -> AsyncIterator[Live]:
    upstream = Upstream(tmp_path / "upstream")
    upstream.commit({"app/config.yaml": configmap("settings", version="v1")}, "v1")
    apps_dir = tmp_path / "apps"
    apps_dir.mkdir()
    (apps_dir / "projects.yaml").write_text(
        yaml.safe_dump_all([project(name) for name in PROJECTS])
    )
    for name, proj in apps:
        app = application(name, proj, upstream.url)
        (apps_dir / f"{name}.yaml").write_text(yaml.safe_dump(app))
    data_dir = tmp_path / "data"
    # A long poll interval: in these tests only a sync, a refresh or a webhook moves an app.
    control = await build_local(data_dir, [apps_dir], Settings(interval=3600.0), tick=0.1)
    control.controller.reconciler.poll_interval = 0.1
    control.apps.load(force=True)
    access = Access(data_dir, limiter=limiter)

    async def reload(stop: asyncio.Event) -> None:
        await watch_files(control.apps, stop, every=0.5)

    server = ApiServer(
        control.controller,
        access,
        port=0,
        enforcer=enforcer or Enforcer(),
        webhooks=webhooks or WebhookSecrets(),
        notifications=notifications,
        background=[reload],
    )
    await server.start()
    try:
        yield Live(server, control, access, upstream, apps_dir, data_dir)
    finally:
        await server.stop()
        await control.close()
        access.close()
