"""Kustomize through kubectl's built-in kustomize, with Argo CD's overrides, on real checkouts."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from seaway.source import (
    KustomizeOptions,
    RenderError,
    RenderOptions,
    RepoCache,
    SourceType,
    ToolMissingError,
    Tools,
    render,
)
from seaway.source.render.kustomize import parse_image
from tests.gitrepo import Upstream
from tests.source.conftest import configmap

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
      - name: sidecar
        image: registry.local:5000/tools/proxy:0.1
"""

FILES = {
    "base/kustomization.yaml": "resources:\n- deployment.yaml\n- cm.yaml\n",
    "base/deployment.yaml": DEPLOYMENT,
    "base/cm.yaml": configmap("settings", level="info"),
    "envs/prod/kustomization.yaml": (
        "resources:\n- ../../base\nnamePrefix: prod-\nimages:\n- name: nginx\n  newTag: '1.26'\n"
    ),
    "envs/dev/kustomization.yml": "resources:\n- ../../base\n",
    "envs/broken/kustomization.yaml": "resources:\n- ../../base\n- missing.yaml\n",
}


def digest(tree: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(tree.rglob("*")):
        h.update(str(path.relative_to(tree)).encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture
def checkout(cache: RepoCache, upstream: Upstream) -> Path:
    sha = upstream.commit(FILES)
    return cache.checkout(upstream.url, sha)


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (found,) = [o for o in objects if o["kind"] == kind]
    return found


def images(deployment: dict[str, Any]) -> list[str]:
    return [c["image"] for c in deployment["spec"]["template"]["spec"]["containers"]]


def test_overlay_builds_from_the_checkout(checkout: Path) -> None:
    result = render(checkout, "envs/prod")
    assert result.source_type is SourceType.KUSTOMIZE
    deployment = by_kind(result.objects, "Deployment")
    assert deployment["metadata"]["name"] == "prod-web"
    assert images(deployment) == ["nginx:1.26", "registry.local:5000/tools/proxy:0.1"]
    assert by_kind(result.objects, "ConfigMap")["data"] == {"level": "info"}
    assert render(checkout, "envs/dev").source_type is SourceType.KUSTOMIZE


def test_argo_overrides_apply_to_a_copy(checkout: Path) -> None:
    before = digest(checkout)
    options = KustomizeOptions(
        images=(
            "nginx=nginx:1.27",
            "registry.local:5000/tools/proxy=mirror.local/proxy@sha256:" + "a" * 64,
        ),
        name_prefix="blue-",
        name_suffix="-v2",
        namespace="shop",
        common_labels={"team": "payments"},
        common_annotations={"owner": "seaway"},
        patches=(
            {
                "target": {"kind": "Deployment", "name": "web"},
                "patch": "- op: replace\n  path: /spec/replicas\n  value: 3\n",
            },
        ),
    )
    result = render(checkout, "envs/prod", RenderOptions(kustomize=options))
    deployment = by_kind(result.objects, "Deployment")
    config = by_kind(result.objects, "ConfigMap")
    # The option's prefix replaces the overlay's, as `kustomize edit set nameprefix` does.
    assert deployment["metadata"]["name"] == "blue-web-v2"
    assert config["metadata"]["name"] == "blue-settings-v2"
    assert deployment["metadata"]["namespace"] == "shop"
    assert config["metadata"]["namespace"] == "shop"
    assert images(deployment) == ["nginx:1.27", "mirror.local/proxy@sha256:" + "a" * 64]
    assert deployment["metadata"]["labels"] == {"app": "web", "team": "payments"}
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": "web", "team": "payments"}
    assert deployment["metadata"]["annotations"] == {"owner": "seaway"}
    assert deployment["spec"]["replicas"] == 3
    # The checkout is untouched (it is read-only, and the copy is gone).
    assert digest(checkout) == before
    assert [p.name for p in checkout.parent.iterdir() if p.name.startswith(".render-")] == []


def test_image_override_forms() -> None:
    assert parse_image("nginx:1.27") == {"name": "nginx", "newTag": "1.27"}
    assert parse_image("nginx=nginx:1.27") == {
        "name": "nginx",
        "newName": "nginx",
        "newTag": "1.27",
    }
    assert parse_image("nginx=ghcr.io/me/nginx") == {"name": "nginx", "newName": "ghcr.io/me/nginx"}
    assert parse_image("reg:5000/app@sha256:abc") == {
        "name": "reg:5000/app",
        "digest": "sha256:abc",
    }
    assert parse_image("reg:5000/app") == {"name": "reg:5000/app"}
    with pytest.raises(RenderError, match="is not"):
        parse_image("=nginx:1")


def test_image_override_on_plain_image_name(checkout: Path) -> None:
    options = RenderOptions(kustomize=KustomizeOptions(images=("nginx:1.28",)))
    deployment = by_kind(render(checkout, "envs/dev", options).objects, "Deployment")
    assert images(deployment)[0] == "nginx:1.28"


def test_missing_resource_is_a_clear_error(checkout: Path) -> None:
    with pytest.raises(RenderError) as info:
        render(checkout, "envs/broken")
    message = str(info.value)
    assert message.startswith("kustomize build of envs/broken failed:")
    assert "missing.yaml" in message
    # Paths read as repo paths, not as the cache's folders.
    assert str(checkout) not in message
    with pytest.raises(RenderError) as copied:
        render(checkout, "envs/broken", RenderOptions(kustomize=KustomizeOptions(namespace="x")))
    assert "missing.yaml" in str(copied.value)
    assert ".render-" not in str(copied.value)


def test_options_on_a_folder_without_kustomization(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app/cm.yaml").write_text(configmap("x"))
    options = RenderOptions(kustomize=KustomizeOptions(namespace="x"))
    with pytest.raises(RenderError, match=r"app has no kustomization\.yaml"):
        render(tmp_path, "app", options)


def test_kubectl_that_is_not_there(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEAWAY_KUBECTL", "/nonexistent/kubectl")
    with pytest.raises(ToolMissingError, match="SEAWAY_KUBECTL is set to /nonexistent/kubectl"):
        render(checkout, "envs/dev")
    monkeypatch.delenv("SEAWAY_KUBECTL")
    explicit = Tools(kubectl=Path("/nonexistent/kubectl"))
    with pytest.raises(RenderError, match="could not start /nonexistent/kubectl"):
        render(checkout, "envs/dev", tools=explicit)
