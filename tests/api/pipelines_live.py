"""A real Seaway server with a stage pipeline, for the pipeline and gate route tests: the local
backend, a real env repo (bare, dev and prod branches, prod manual), the controller's promotion
loop (its rounds run by the test), the HTTP API on uvicorn at 127.0.0.1."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from seaway.api.auth import Access, Enforcer
from seaway.api.server import ApiServer
from seaway.controller.admission import Admission
from seaway.controller.promotion import PromotionLoop, promotion_loop
from seaway.controller.service import LocalControl, Settings, build_local
from seaway.notify.config import NotifyConfig
from seaway.notify.events import Hub
from seaway.source import RepoCache
from tests.api.live import Live, application, configmap, project
from tests.gitrepo import Upstream
from tests.promote.pipelines import branches_repo, pipeline_yaml

# prod takes a person's approval; health is not checked, so no workload has to run for it.
STAGES: list[dict[str, object]] = [
    {"name": "dev", "apps": ["web-dev"], "branch": "dev", "path": "web"},
    {
        "name": "prod",
        "apps": ["web-prod"],
        "branch": "prod",
        "path": "web",
        "promotion": "manual",
        "checks": {"healthy": False, "analysis": False},
    },
]


@dataclass
class PipelineLive(Live):
    loop: PromotionLoop | None = None
    remote: Path | None = None

    @property
    def promotions(self) -> PromotionLoop:
        assert self.loop is not None
        return self.loop


@contextlib.asynccontextmanager
async def pipeline_server(
    tmp_path: Path,
    *,
    enforcer: Enforcer | None = None,
    notifications: NotifyConfig | None = None,
    settings: Settings | None = None,
    extra_apps: tuple[dict[str, Any], ...] = (),
) -> AsyncIterator[PipelineLive]:
    remote = branches_repo(tmp_path, {"dev": "v2", "prod": "v1"}, pipeline_yaml(STAGES))
    upstream = Upstream(tmp_path / "apps-repo")
    upstream.commit({"app/config.yaml": configmap("settings", version="v1")}, "v1")
    apps_dir = tmp_path / "apps"
    apps_dir.mkdir()
    docs = [project("team-a"), project("team-b")]
    docs += [application(f"web-{s}", "team-a", upstream.url) for s in ("dev", "prod")]
    (apps_dir / "apps.yaml").write_text(yaml.safe_dump_all([*docs, *extra_apps]))
    data_dir = tmp_path / "data"
    control: LocalControl = await build_local(
        data_dir, [apps_dir], settings or Settings(interval=3600.0), tick=0.1
    )
    control.apps.load(force=True)
    hub = Hub()
    admission = control.controller.reconciler.comparer.admission
    assert isinstance(admission, Admission)
    admission.hub = hub
    # A long interval: the test runs the loop's rounds itself.
    loop = promotion_loop(
        control.apps,
        RepoCache(tmp_path / "repos"),
        data_dir / "seaway.db",
        (f"{remote.as_uri()}#main:seaway-pipeline.yaml",),
        3600.0,
    )
    assert loop is not None
    loop.hub = hub
    access = Access(data_dir)
    server = ApiServer(
        control.controller,
        access,
        port=0,
        enforcer=enforcer or Enforcer(),
        notifications=notifications,
        hub=hub,
        promotions=loop,
    )
    await server.start()
    try:
        yield PipelineLive(
            server, control, access, upstream, apps_dir, data_dir, loop=loop, remote=remote
        )
    finally:
        await server.stop()
        loop.reader.store.close()
        await control.close()
        access.close()
