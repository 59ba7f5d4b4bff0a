"""Helm charts through `helm template`, with the helm the test bed builds, and the render cache."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from seaway.source import (
    HelmOptions,
    HelmParameter,
    RenderCache,
    RenderError,
    RenderOptions,
    RepoCache,
    SourceType,
    ToolMissingError,
    render,
)
from seaway.source.render.helm import set_argument
from seaway.source.render.tools import find_helm
from tests.gitrepo import Upstream

CHART = {
    "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "apps/web/values.yaml": (
        "replicas: 1\nimage: {repository: nginx, tag: ''}\nenv: base\nnote: ''\nlist: []\n"
    ),
    "apps/web/values-prod.yaml": "replicas: 3\nenv: prod\n",
    "apps/web/templates/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
{{- $message := "image.tag is required" }}
metadata:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Namespace }}
spec:
  replicas: {{ .Values.replicas }}
  template:
    spec:
      containers:
      - name: web
        image: "{{ .Values.image.repository }}:{{ required $message .Values.image.tag }}"
""",
    "apps/web/templates/config.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  env: {{ .Values.env | quote }}
  note: {{ .Values.note | quote }}
  kind: {{ kindOf .Values.note | quote }}
  list: {{ .Values.list | join ";" | quote }}
""",
    "apps/web/crds/widget.yaml": """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
""",
    "apps/web/templates/tests/test-pod.yaml": """\
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test
  annotations: {"helm.sh/hook": test}
""",
}


@pytest.fixture
def chart(cache: RepoCache, upstream: Upstream) -> Path:
    return cache.checkout(upstream.url, upstream.commit(CHART))


def helm(**kwargs: Any) -> RenderOptions:
    return RenderOptions(helm=HelmOptions(**kwargs), app_name="web-app")


def kinds(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["kind"]: o for o in objects}


def test_chart_with_value_files_values_and_parameters(chart: Path, helm_binary: Path) -> None:
    options = helm(
        value_files=("values-prod.yaml",),
        values="note: from-values\nimage: {tag: '1.26'}\n",
        parameters=(
            HelmParameter("image.tag", "1.27"),
            HelmParameter("note", "1,2", force_string=True),
            HelmParameter("list", "{a,b}"),
        ),
        release_name="shop",
        namespace="prod",
    )
    result = render(chart, "apps/web", options)
    assert result.source_type is SourceType.HELM
    objects = kinds(result.objects)
    deployment = objects["Deployment"]
    assert deployment["metadata"] == {"name": "shop", "namespace": "prod"}
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    config = objects["ConfigMap"]
    assert config["metadata"]["name"] == "shop-config"
    assert config["data"] == {"env": "prod", "note": "1,2", "kind": "string", "list": "a;b"}
    # CRDs come along (Argo CD passes --include-crds), and so do test hooks.
    assert "CustomResourceDefinition" in objects
    assert "Pod" in objects


def test_values_object_wins_over_values_and_release_defaults_to_app(
    chart: Path, helm_binary: Path
) -> None:
    options = helm(
        values="image: {tag: from-values}\n",
        values_object={"image": {"tag": "from-object"}, "replicas": 2},
        skip_crds=True,
        skip_tests=True,
    )
    objects = kinds(render(chart, "apps/web", options).objects)
    deployment = objects["Deployment"]
    assert deployment["metadata"]["name"] == "web-app"
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:from-object"
    assert deployment["spec"]["replicas"] == 2
    assert "CustomResourceDefinition" not in objects
    assert "Pod" not in objects


def test_detected_without_options(chart: Path, helm_binary: Path) -> None:
    with pytest.raises(RenderError) as info:
        render(chart, "apps/web")
    message = str(info.value)
    assert message.startswith("helm template of apps/web failed:")
    assert "image.tag is required" in message
    assert str(chart) not in message


def test_value_files_missing_ignored_or_outside(chart: Path, helm_binary: Path) -> None:
    with pytest.raises(
        RenderError, match=r"helm value file 'values-qa\.yaml' not found in apps/web"
    ):
        render(chart, "apps/web", helm(value_files=("values-qa.yaml",)))
    result = render(
        chart,
        "apps/web",
        helm(
            value_files=("values-qa.yaml", "/apps/web/values-prod.yaml"),
            ignore_missing_value_files=True,
            parameters=(HelmParameter("image.tag", "1"),),
        ),
    )
    assert result.warnings == ["helm value file 'values-qa.yaml' of apps/web not found; ignored"]
    assert kinds(result.objects)["Deployment"]["spec"]["replicas"] == 3
    with pytest.raises(RenderError, match="is outside the repo"):
        render(chart, "apps/web", helm(value_files=("../../../../etc/passwd",)))
    with pytest.raises(RenderError, match="is a URL"):
        render(chart, "apps/web", helm(value_files=("https://example.invalid/v.yaml",)))
    with pytest.raises(RenderError, match="must be a YAML map"):
        render(chart, "apps/web", helm(values="- a list\n"))


def test_set_arguments_escape_commas() -> None:
    assert set_argument(HelmParameter("a", "x,y")) == ["--set", r"a=x\,y"]
    assert set_argument(HelmParameter("a", r"x\,y")) == ["--set", r"a=x\,y"]
    assert set_argument(HelmParameter("a", "{x,y}")) == ["--set", "a={x,y}"]
    assert set_argument(HelmParameter("a", "true", True)) == ["--set-string", "a=true"]


def test_missing_helm_binary(chart: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEAWAY_HELM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setenv("SEAWAY_TESTBED_CACHE", str(tmp_path / "no-testbed"))
    with pytest.raises(ToolMissingError) as info:
        render(chart, "apps/web", helm())
    assert str(info.value) == (
        "Helm chart at apps/web needs the helm binary; set SEAWAY_HELM or put helm on PATH"
    )


def test_helm_found_in_the_testbed_cache(
    chart: Path, helm_binary: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SEAWAY_HELM")
    monkeypatch.setenv("PATH", os.defpath)
    # helm_binary lives at <cache>/helm-<version>/bin/helm.
    monkeypatch.setenv("SEAWAY_TESTBED_CACHE", str(helm_binary.parents[2]))
    assert find_helm() == helm_binary


def test_render_cache_renders_once_per_commit_path_and_options(
    chart: Path, helm_binary: Path
) -> None:
    cache = RenderCache(max_entries=2)
    sha = chart.name
    options = helm(parameters=(HelmParameter("image.tag", "1"),))
    results = []

    def work() -> None:
        results.append(cache.render(sha, chart, "apps/web", options))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 6
    assert cache.misses == 1
    assert cache.hits == 5
    # Callers get copies: changing one result changes no other and not the cache.
    results[0].objects[0]["metadata"]["name"] = "changed"
    assert results[1].objects[0]["metadata"]["name"] != "changed"
    assert cache.render(sha, chart, "/apps/web/", options).objects == results[1].objects
    assert cache.misses == 1
    other = helm(parameters=(HelmParameter("image.tag", "2"),))
    cache.render(sha, chart, "apps/web", other)
    assert cache.misses == 2
    # LRU: a third entry pushes out the least recently used one.
    cache.render("another-sha", chart, "apps/web", options)
    assert len(cache) == 2
    cache.render(sha, chart, "apps/web", options)
    assert cache.misses == 4
    # Errors are not cached.
    with pytest.raises(RenderError):
        cache.render(sha, chart, "apps/web", helm())
    with pytest.raises(RenderError):
        cache.render(sha, chart, "apps/web", helm())
    assert cache.misses == 6
