"""ApplicationSets on the files path (`seaway controller --backend local --apps DIR`): a set in
the apps folder makes its apps in Seaway's store, the Application controller syncs them on the
local backend, and Git changes on the dev and prod branches add and remove apps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from seaway.appset import owner_of
from seaway.controller.appsets import AppSetController, FileAppSets, RepoGit
from seaway.controller.service import LocalControl, Settings, build_local
from seaway.source import RepoCache
from tests.appset.repos import env_repo, envs_appset
from tests.gitrepo import Upstream

pytestmark = pytest.mark.anyio


@dataclass
class World:
    control: LocalControl
    appsets: AppSetController
    files: FileAppSets
    repo: Upstream
    folder: Path

    def write_set(self, **options: Any) -> None:
        (self.folder / "envs.yaml").write_text(
            yaml.safe_dump(envs_appset(self.repo.url, **options))
        )

    async def generate(self) -> Any:
        self.control.apps.load(force=True)
        [outcome] = await self.appsets.reconcile_all()
        return outcome

    def app_names(self) -> list[str]:
        return sorted(a["metadata"]["name"] for a in self.control.store.all("Application"))

    async def settle(self) -> None:
        """Reconcile every app (sync, or finish a deletion) until nothing is pending."""
        for _ in range(5):
            for name in self.app_names():
                await self.control.controller.reconcile_one(name)

    async def config(self, name: str, namespace: str) -> str | None:
        live = await self.control.backend.get("v1", "ConfigMap", name, namespace)
        return None if live is None else str(live["data"]["env"])

    def set_status(self) -> dict[str, Any]:
        raw = self.control.store.get("ApplicationSet", "envs")
        assert raw is not None
        return dict(raw["status"])


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    repo = env_repo(tmp_path / "env")
    folder = tmp_path / "apps"
    folder.mkdir()
    settings = Settings(interval=3600, repo_cache=tmp_path / "repos")
    control = await build_local(tmp_path / "data", [folder], settings)
    files = FileAppSets(control.store, control.controller.on_app_change)
    appsets = AppSetController(files, RepoGit(RepoCache(tmp_path / "repos")))
    try:
        yield World(control, appsets, files, repo, folder)
    finally:
        await control.close()


async def test_set_over_dev_and_prod_creates_syncs_and_follows_git(world: World) -> None:
    world.write_set()
    outcome = await world.generate()
    assert outcome.error == ""
    assert world.app_names() == ["api-dev", "web-dev", "web-prod"]
    stored = world.control.store.get("Application", "web-prod")
    assert stored is not None
    assert owner_of(stored) == "envs"
    await world.settle()
    assert await world.config("web", "t-dev") == "dev"
    assert await world.config("web", "t-prod") == "prod"
    assert await world.config("api", "t-dev") == "dev"
    status = world.set_status()
    assert {c["type"]: c["status"] for c in status["conditions"]} == {
        "ErrorOccurred": "False",
        "ParametersGenerated": "True",
        "ResourcesUpToDate": "True",
    }
    assert [r["name"] for r in status["resources"]] == ["api-dev", "web-dev", "web-prod"]

    # A new folder on prod makes an app; a folder removed from dev deletes its app and, through
    # the resources finalizer, what the app deployed.
    world.repo.commit({"apps/api/cm.yaml": "{}\n"}, "api to prod", branch="prod")
    world.repo.git("checkout", "--quiet", "dev")
    world.repo.remove("apps/api")
    world.repo.git("checkout", "--quiet", "main")
    await world.generate()
    assert "api-prod" in world.app_names()
    await world.settle()
    assert world.app_names() == ["api-prod", "web-dev", "web-prod"]
    assert await world.config("api", "t-dev") is None

    # Removing the set's file deletes nothing: deleting is an act.
    (world.folder / "envs.yaml").unlink()
    world.control.apps.load(force=True)
    await world.appsets.reconcile_all()
    assert world.app_names() == ["api-prod", "web-dev", "web-prod"]

    # Deleting the set deletes its apps and their resources.
    assert world.files.delete_set("envs")
    await world.settle()
    assert world.app_names() == []
    assert await world.config("web", "t-prod") is None


async def test_create_update_keeps_an_app_git_no_longer_generates(world: World) -> None:
    world.write_set(policy="create-update")
    await world.generate()
    await world.settle()
    world.repo.git("checkout", "--quiet", "dev")
    world.repo.remove("apps/api")
    world.repo.git("checkout", "--quiet", "main")
    outcome = await world.generate()
    assert outcome.changes.delete == []
    assert world.app_names() == ["api-dev", "web-dev", "web-prod"]


async def test_a_changed_set_that_drops_an_app_deletes_it(world: World) -> None:
    world.write_set()
    await world.generate()
    await world.settle()
    changed = envs_appset(world.repo.url)
    changed["spec"]["generators"][0]["matrix"]["generators"][0]["list"]["elements"] = [
        {"env": "prod"}
    ]
    (world.folder / "envs.yaml").write_text(yaml.safe_dump(changed))
    outcome = await world.generate()
    assert sorted(outcome.changes.delete) == ["api-dev", "web-dev"]
    await world.settle()
    assert world.app_names() == ["web-prod"]
    assert await world.config("web", "t-dev") is None


async def test_preserve_resources_deletes_the_apps_but_keeps_what_they_deployed(
    world: World,
) -> None:
    world.write_set(preserve=True)
    await world.generate()
    await world.settle()
    assert await world.config("web", "t-prod") == "prod"
    assert world.files.delete_set("envs")
    await world.settle()
    assert world.app_names() == []
    assert await world.config("web", "t-prod") == "prod"


async def test_a_broken_template_changes_no_app_and_reports_on_the_set(world: World) -> None:
    world.write_set()
    await world.generate()
    broken = envs_appset(world.repo.url)
    broken["spec"]["template"]["metadata"]["name"] = "{{.path.nope}}-{{.env}}"
    (world.folder / "envs.yaml").write_text(yaml.safe_dump(broken))
    outcome = await world.generate()
    assert 'map has no entry for key "nope"' in outcome.error
    assert world.app_names() == ["api-dev", "web-dev", "web-prod"]
    error = next(c for c in world.set_status()["conditions"] if c["type"] == "ErrorOccurred")
    assert error["status"] == "True"
    assert error["reason"] == "ApplicationGenerationFromParamsError"
    assert "spec.generators[0] parameter set 1: template.metadata.name" in error["message"]


async def test_the_running_loop_picks_up_a_set_and_its_edit(world: World) -> None:
    world.write_set()
    world.control.apps.load(force=True)
    world.appsets.poll = 0.05
    stop = asyncio.Event()
    task = asyncio.create_task(world.appsets.run(stop))
    try:
        await _until(lambda: world.app_names() == ["api-dev", "web-dev", "web-prod"])
        changed = envs_appset(world.repo.url)
        changed["spec"]["template"]["metadata"]["name"] = "{{.path.basename}}-{{.env}}-v2"
        (world.folder / "envs.yaml").write_text(yaml.safe_dump(changed))
        world.control.apps.load(force=True)
        # The old apps go (being deleted: their finalizer waits for the app controller).
        await _until(lambda: "api-dev-v2" in world.app_names())
    finally:
        stop.set()
        await task


async def _until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not reached")


async def test_a_poll_without_new_commits_reuses_the_render_and_restores_a_deleted_app(
    world: World,
) -> None:
    world.write_set()
    await world.generate()
    assert world.appsets.renders == 1
    # Someone deletes a generated app: the next poll puts it back, from the same render (the
    # ls-remote of dev and prod says nothing moved).
    world.control.store.set_finalizers("Application", "web-dev", [])
    world.control.store.delete("Application", "web-dev")
    outcome = await world.generate()
    assert [a["metadata"]["name"] for a in outcome.changes.create] == ["web-dev"]
    assert world.appsets.renders == 1
    world.repo.commit({"apps/db/cm.yaml": "{}\n"}, "db to prod", branch="prod")
    await world.generate()
    assert world.appsets.renders == 2
    assert "db-prod" in world.app_names()
