"""The controller's image poller: apps from files (the local controller's app store), a real
registry (crane) and a real Git remote; the poller runs on its interval until stopped."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from seaway.controller.service import Settings, build_local
from tests.gitrepo import git
from tests.oci_registry import Registry
from tests.promote.fixtures import log, make_remote, show
from tests.promote.test_poll_registry import PREFIX, _deployment

pytestmark = pytest.mark.anyio


def _application(name: str, remote: Path, annotations: dict[str, str]) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": name, "annotations": annotations},
            "spec": {
                "project": "default",
                "source": {"repoURL": str(remote), "targetRevision": "dev", "path": "app"},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": "x"},
            },
        }
    )


async def test_controller_polls_on_its_interval(oci_registry: Registry, tmp_path: Path) -> None:
    repo = f"{oci_registry.host}/poll/controller"
    oci_registry.push_image("poll/controller", "0.1.0")
    remote = make_remote(tmp_path, {"app/deploy.yaml": _deployment(f"{repo}:0.1.0")})
    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "polled.yaml").write_text(
        _application("polled", remote, {f"{PREFIX}image-list": f"api={repo}:~0.1"})
    )
    # An app with a broken annotation is logged and skipped; it stops nothing.
    (apps / "broken.yaml").write_text(
        _application("broken", remote, {f"{PREFIX}image-list": f"api={repo}:^nope"})
    )
    (apps / "plain.yaml").write_text(_application("plain", remote, {}))
    settings = Settings(image_poll_interval=0.1, insecure_registries=(oci_registry.host,))
    control = await build_local(tmp_path / "data", [apps], settings, tick=0.1)
    control.apps.load(force=True)
    poller = settings.image_poller(control.apps)
    assert poller is not None
    assert Settings().image_poller(control.apps) is None
    stop = asyncio.Event()
    task = asyncio.create_task(poller.run(stop))
    try:
        first = await poller.poll_once()
        assert sorted(first) == ["broken", "polled"]
        assert first["broken"] == []
        assert first["polled"][0].message == f"{repo}:0.1.0 is already set"

        head = git(remote, "rev-parse", "dev")
        oci_registry.push_image("poll/controller", "0.1.5")
        for _ in range(400):
            if git(remote, "rev-parse", "dev") != head:
                break
            await asyncio.sleep(0.05)
        assert show(remote, "dev", "app/deploy.yaml") == _deployment(f"{repo}:0.1.5")
        assert log(remote, "dev")[0] == f"seaway: image poll sets api to {repo}:0.1.5 (semver)"
    finally:
        stop.set()
        await task
        await control.close()
