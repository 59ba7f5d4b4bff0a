"""Plain folders of YAML and JSON manifests, and how render() picks a renderer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seaway.source import (
    DirectoryOptions,
    HelmOptions,
    KustomizeOptions,
    RenderError,
    RenderOptions,
    SourceType,
    render,
)
from seaway.source.render.detect import detect
from seaway.source.render.globs import glob_match
from tests.source.conftest import configmap


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def names(objects: list[dict[str, object]]) -> list[str]:
    return [o["metadata"]["name"] for o in objects]  # type: ignore[index]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write(
        tmp_path / "repo",
        {
            "apps/web/a.yaml": configmap("a") + "---\n---\n" + configmap("a2"),
            "apps/web/b.json": json.dumps(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}
            ),
            "apps/web/list.yaml": (
                "apiVersion: v1\nkind: List\nitems:\n"
                "- {apiVersion: v1, kind: Secret, metadata: {name: l1}}\n"
                "- {apiVersion: v1, kind: Service, metadata: {name: l2}}\n"
            ),
            "apps/web/README.md": "# not a manifest\n",
            "apps/web/sub/c.yml": configmap("c"),
            "apps/web/sub/deeper/d.yaml": configmap("d"),
            "apps/web/.hidden/e.yaml": configmap("e"),
            "apps/web/empty.yaml": "\n# only a comment\n",
        },
    )


def test_plain_directory(tree: Path) -> None:
    result = render(tree, "apps/web")
    assert result.source_type is SourceType.DIRECTORY
    assert names(result.objects) == ["a", "a2", "b", "l1", "l2"]
    assert [o["kind"] for o in result.objects[-2:]] == ["Secret", "Service"]
    assert result.warnings == []


def test_recurse_skips_hidden_folders(tree: Path) -> None:
    result = render(tree, "/apps/web/", RenderOptions(directory=DirectoryOptions(recurse=True)))
    assert names(result.objects) == ["a", "a2", "b", "l1", "l2", "c", "d"]


def test_include_and_exclude(tree: Path) -> None:
    def rendered(**kwargs: str) -> list[str]:
        options = RenderOptions(directory=DirectoryOptions(recurse=True, **kwargs))
        return names(render(tree, "apps/web", options).objects)

    assert rendered(include="{a.yaml,b.json}") == ["a", "a2", "b"]
    assert rendered(include="*.yml") == ["c"]
    assert rendered(exclude="sub/*") == ["a", "a2", "b", "l1", "l2"]
    assert rendered(include="*.yaml", exclude="{list.yaml,sub/deeper/*}") == ["a", "a2"]
    assert rendered(exclude="*") == []


def test_argo_globs() -> None:
    assert glob_match("{a.yaml,b.yaml}", "b.yaml")
    assert not glob_match("{a.yaml,b.yaml}", "c.yaml")
    assert glob_match("*.yaml", "sub/x.yaml")
    assert glob_match("{config.json,env-usw2/*}", "env-usw2/x/y.yaml")
    assert glob_match("[!a]?.yml", "bc.yml")
    assert not glob_match("[!a]?.yml", "ac.yml")
    assert glob_match("{a,{b,c}d}", "cd")
    assert glob_match(r"\*.yaml", "*.yaml")
    assert not glob_match(r"\*.yaml", "x.yaml")
    with pytest.raises(RenderError, match="unclosed"):
        glob_match("{a,b", "a")


def test_yaml_values_stay_as_kubernetes_reads_them(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  day: 2024-01-31\n"
    write(tmp_path, {"cm.yaml": text + "  on: yes\n  n: 0755\n"})
    (obj,) = render(tmp_path, ".").objects
    # `on` is YAML 1.1's true; sigs.k8s.io/yaml then writes that key as the string "true".
    assert obj["data"] == {"day": "2024-01-31", "true": True, "n": 493}


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, {"app/bad.yaml": configmap("ok") + "---\nkind: ConfigMap\n  name: x: y\n"})
    with pytest.raises(RenderError) as info:
        render(tmp_path, "app")
    assert str(info.value) == (
        "app/bad.yaml: YAML syntax error at line 9, column 7: "
        "mapping values are not allowed in this context"
    )


def test_not_a_kubernetes_object_names_file_and_document(tmp_path: Path) -> None:
    write(tmp_path, {"app/x.yaml": configmap("ok") + "---\nfoo: bar\n"})
    with pytest.raises(RenderError) as info:
        render(tmp_path, "app")
    assert str(info.value) == (
        "app/x.yaml (document 2): not a Kubernetes object: no apiVersion and no kind"
    )
    write(tmp_path, {"app/x.yaml": "- just\n- a list\n"})
    with pytest.raises(RenderError, match=r"app/x.yaml \(document 1\): not a Kubernetes object"):
        render(tmp_path, "app")
    write(tmp_path, {"app/x.yaml": "apiVersion: v1\nkind: List\nitems:\n- {kind: Pod}\n"})
    with pytest.raises(RenderError, match=r"\(document 1, item 1\): .* no apiVersion"):
        render(tmp_path, "app")


def test_json_errors(tmp_path: Path) -> None:
    write(tmp_path, {"app/x.json": '{"apiVersion": "v1",\n "kind": }'})
    with pytest.raises(RenderError, match=r"app/x.json: JSON syntax error at line 2, column 10"):
        render(tmp_path, "app")


def test_json_array_of_objects(tmp_path: Path) -> None:
    docs = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n}} for n in "xy"]
    write(tmp_path, {"app/x.json": json.dumps(docs)})
    assert names(render(tmp_path, "app").objects) == ["x", "y"]


def test_bad_paths(tmp_path: Path) -> None:
    write(tmp_path, {"repo/app/a.yaml": configmap("a"), "secret.yaml": configmap("s")})
    repo = tmp_path / "repo"
    with pytest.raises(RenderError, match="path 'nope' does not exist in the revision"):
        render(repo, "nope")
    with pytest.raises(RenderError, match="points outside the repo"):
        render(repo, "../")
    with pytest.raises(RenderError, match="is a file"):
        render(repo, "app/a.yaml")


def test_warnings_for_empty_folder_and_repeated_objects(tmp_path: Path) -> None:
    write(tmp_path, {"app/a.yaml": configmap("a") + "---\n" + configmap("a"), "empty/x.txt": ""})
    result = render(tmp_path, "app")
    assert result.warnings == ["app declares ConfigMap a 2 times; the last wins"]
    assert render(tmp_path, "empty").warnings == [
        "empty has no manifest files (.yaml, .yml, .json)"
    ]


def test_detection_and_explicit_types(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "k1/kustomization.yml": "resources: []\n",
            "k2/Kustomization": "resources: []\n",
            "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
            "both/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
            "both/kustomization.yaml": "resources: []\n",
        },
    )
    assert detect(tmp_path / "k1", RenderOptions(), "k1") is SourceType.KUSTOMIZE
    assert detect(tmp_path / "k2", RenderOptions(), "k2") is SourceType.KUSTOMIZE
    assert detect(tmp_path / "chart", RenderOptions(), "chart") is SourceType.HELM
    assert detect(tmp_path / "both", RenderOptions(), "both") is SourceType.KUSTOMIZE
    explicit = RenderOptions(directory=DirectoryOptions())
    assert detect(tmp_path / "chart", explicit, "chart") is SourceType.DIRECTORY
    with pytest.raises(RenderError, match=r"more than one renderer \(kustomize, helm\)"):
        render(tmp_path, "chart", RenderOptions(kustomize=KustomizeOptions(), helm=HelmOptions()))


def test_options_from_argo_camel_case() -> None:
    options = RenderOptions.from_argo(
        {
            "repoURL": "https://example.invalid/r.git",
            "path": "apps/web",
            "directory": {"recurse": True, "include": "*.yaml", "exclude": "{x.yaml}"},
        },
        app_name="web",
    )
    assert options.directory == DirectoryOptions(True, "*.yaml", "{x.yaml}")
    assert options.kustomize is None
    assert options.helm is None
    assert options.app_name == "web"
    kustomize = KustomizeOptions.from_argo(
        {
            "images": ["nginx:1.27"],
            "namePrefix": "p-",
            "nameSuffix": "-s",
            "namespace": "ns",
            "commonLabels": {"team": "a"},
            "commonAnnotations": {"note": 1},
            "patches": [{"patch": "[]", "target": {"kind": "Deployment"}}],
        }
    )
    assert kustomize.images == ("nginx:1.27",)
    assert kustomize.common_annotations == {"note": "1"}
    assert kustomize.patches[0]["target"] == {"kind": "Deployment"}
    helm = HelmOptions.from_argo(
        {
            "valueFiles": ["values-prod.yaml"],
            "values": "a: 1\n",
            "valuesObject": {"b": 2},
            "parameters": [
                {"name": "image.tag", "value": "1.27"},
                {"name": "flag", "value": True, "forceString": True},
            ],
            "releaseName": "rel",
            "namespace": "ns",
            "ignoreMissingValueFiles": True,
        }
    )
    assert helm.value_files == ("values-prod.yaml",)
    assert helm.values_object == {"b": 2}
    assert [(p.name, p.value, p.force_string) for p in helm.parameters] == [
        ("image.tag", "1.27", False),
        ("flag", "true", True),
    ]
    assert helm.release_name == "rel"
    assert helm.ignore_missing_value_files
    with pytest.raises(RenderError, match=r"helm.parameters\[0\] needs a name"):
        HelmOptions.from_argo({"parameters": [{"value": "x"}]})
    with pytest.raises(RenderError, match=r"kustomize\.images must be a list of strings"):
        KustomizeOptions.from_argo({"images": [1]})
    assert options.cache_key() != RenderOptions.from_argo({"directory": {}}).cache_key()
