"""From a set to its Applications (render_set) and to the changes to make (plan_changes), and
loading ApplicationSets: Argo CD's fields, errors naming the field, unsupported parts named."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from seaway.appset import (
    RESOURCES_FINALIZER,
    AppSetError,
    Inputs,
    owner_of,
    plan_changes,
    render_set,
)
from seaway.controller.appsets import RepoGit
from seaway.model import ManifestError, load_documents, parse_object
from seaway.model.applicationset import (
    APPSET_KINDS,
    ApplicationSet,
    ApplicationsSync,
    appset_unsupported,
)
from seaway.source import RepoCache
from tests.appset.repos import env_repo, envs_appset


def load(raw: dict[str, Any]) -> ApplicationSet:
    return parse_object(raw, "test", kinds=APPSET_KINDS)


def list_set(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "guestbook", "namespace": "seaway", "uid": "u-1"},
        "spec": {
            "generators": [{"list": {"elements": [{"cluster": "dev"}, {"cluster": "prod"}]}}],
            "template": {
                "metadata": {"name": "guestbook-{{cluster}}"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": "https://example.invalid/r.git", "path": "{{cluster}}"},
                    "destination": {
                        "server": "https://kubernetes.default.svc",
                        "namespace": "gb-{{cluster}}",
                    },
                },
            },
            **spec,
        },
    }


def test_env_set_renders_one_app_per_folder_and_branch(tmp_path: Path) -> None:
    repo = env_repo(tmp_path / "env")
    appset = load({**envs_appset(repo.url), "metadata": {"name": "envs", "namespace": "seaway"}})
    rendered = render_set(appset, Inputs(git=RepoGit(RepoCache(tmp_path / "c"))))
    names = [a["metadata"]["name"] for a in rendered.apps]
    assert names == ["api-dev", "web-dev", "web-prod"]
    web_prod = rendered.apps[2]
    assert web_prod["spec"]["source"] == {
        "repoURL": repo.url,
        "targetRevision": "prod",
        "path": "apps/web",
    }
    assert web_prod["spec"]["destination"]["namespace"] == "t-prod"
    assert web_prod["metadata"]["labels"] == {"env": "prod"}
    assert web_prod["metadata"]["namespace"] == "seaway"
    assert web_prod["metadata"]["finalizers"] == [RESOURCES_FINALIZER]
    assert owner_of(web_prod) == "envs"
    assert rendered.revisions == {(repo.url, "dev"), (repo.url, "prod")}


def test_plain_form_and_owner_reference() -> None:
    rendered = render_set(load(list_set()), Inputs())
    app = rendered.apps[0]
    assert app["metadata"]["name"] == "guestbook-dev"
    assert app["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "ApplicationSet",
            "name": "guestbook",
            "controller": True,
            "blockOwnerDeletion": True,
            "uid": "u-1",
        }
    ]


def test_preserve_resources_leaves_the_resources_finalizer_off() -> None:
    raw = list_set(syncPolicy={"preserveResourcesOnDeletion": True})
    raw["spec"]["template"]["metadata"]["finalizers"] = [RESOURCES_FINALIZER]
    for app in render_set(load(raw), Inputs()).apps:
        assert "finalizers" not in app["metadata"]


def test_generator_template_overrides_the_sets_template() -> None:
    raw = list_set()
    raw["spec"]["generators"][0]["list"]["template"] = {
        "metadata": {"labels": {"from": "generator"}},
        "spec": {"source": {"path": "override/{{cluster}}"}},
    }
    app = render_set(load(raw), Inputs()).apps[1]
    assert app["metadata"]["labels"] == {"from": "generator"}
    assert app["spec"]["source"] == {
        "repoURL": "https://example.invalid/r.git",
        "path": "override/prod",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # An unknown parameter stays as written and makes an invalid name.
        (
            lambda s: s["template"]["metadata"].update(name="gb-{{nope}}"),
            "parameter set 1: Application gb-{{nope}}: metadata.name: 'gb-{{nope}}' is not a valid",
        ),
        (
            lambda s: s["template"]["spec"].pop("destination"),
            "Application guestbook-dev: spec.destination: this field is required",
        ),
        (
            lambda s: s["template"]["metadata"].update(name="same"),
            "parameter set 2: Application same is also made by spec.generators[0] parameter set 1",
        ),
        (
            lambda s: s.update(goTemplate=True),
            "template.metadata.name: template 'guestbook-{{cluster}}': function \"cluster\" is not",
        ),
    ],
)
def test_a_bad_parameter_set_fails_the_whole_set_and_names_it(change: Any, message: str) -> None:
    raw = list_set()
    change(raw["spec"])
    with pytest.raises(AppSetError) as caught:
        render_set(load(raw), Inputs())
    assert message in str(caught.value)
    assert caught.value.reason == "ApplicationGenerationFromParamsError"


def test_template_patch_renders_yaml_and_merges_it_over_each_app() -> None:
    raw = list_set(goTemplate=True)
    raw["spec"]["generators"][0]["list"]["elements"] = [
        {"cluster": "dev", "auto": True},
        {"cluster": "prod", "auto": False},
    ]
    raw["spec"]["template"]["metadata"]["name"] = "guestbook-{{.cluster}}"
    raw["spec"]["template"]["spec"]["source"]["path"] = "{{.cluster}}"
    raw["spec"]["template"]["spec"]["destination"]["namespace"] = "gb"
    raw["spec"]["templatePatch"] = (
        "spec:\n"
        "  {{- if .auto }}\n"
        "  syncPolicy:\n"
        "    automated: {prune: true}\n"
        "  {{- end }}\n"
        "  source:\n"
        "    targetRevision: {{ .cluster | quote }}\n"
    )
    dev, prod = render_set(load(raw), Inputs()).apps
    assert dev["spec"]["syncPolicy"] == {"automated": {"prune": True}}
    assert dev["spec"]["source"] == {
        "repoURL": "https://example.invalid/r.git",
        "path": "dev",
        "targetRevision": "dev",
    }
    assert "syncPolicy" not in prod["spec"]
    raw["spec"]["templatePatch"] = "spec: [{{.cluster}}"
    with pytest.raises(AppSetError, match="templatePatch: rendered to invalid YAML"):
        render_set(load(raw), Inputs())


def test_unsupported_parts_are_named_and_nothing_is_rendered() -> None:
    raw = list_set(templatePatch="spec: {}", strategy={"type": "RollingSync"})
    raw["spec"]["generators"].append({"scmProvider": {"github": {"organization": "o"}}})
    appset = load(raw)
    assert [str(u) for u in appset_unsupported(appset)] == [
        "spec.generators[1].scmProvider: the scmProvider generator is not supported",
        "spec.templatePatch: a template patch needs goTemplate",
        "spec.strategy: progressive syncs (RollingSync) are not supported",
    ]
    with pytest.raises(AppSetError) as caught:
        render_set(appset, Inputs())
    assert caught.value.reason == "ApplicationSetUnsupported"


def test_loading_names_file_object_and_field() -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: bad}
spec:
  generators:
  - matrix: {generators: [{list: {elements: []}}]}
  - {}
  - list: {elements: []}
    clusters: {}
  - merge: {mergeKeys: [], generators: [{list: {}}, {list: {}}]}
  syncPolicy: {applicationsSync: create-sometimes}
  template: {spec: {}}
"""
    with pytest.raises(ManifestError) as caught:
        load_documents(text, "sets.yaml", kinds=APPSET_KINDS)
    lines = str(caught.value).splitlines()
    assert all(line.startswith("sets.yaml, document 1 (ApplicationSet bad): ") for line in lines)
    text = "\n".join(lines)
    assert "spec.generators[0].matrix.generators: a matrix combines exactly 2" in text
    assert "spec.generators[1]: name one generator" in text
    assert "spec.generators[2]: one generator per entry, got list, clusters" in text
    assert "spec.generators[3].merge.mergeKeys: at least one merge key is required" in text
    assert "spec.syncPolicy.applicationsSync: input should be 'create-only'" in text


def test_appset_round_trips_argo_cds_names() -> None:
    raw = envs_appset("https://example.invalid/r.git", policy="create-only", preserve=True)
    assert load(copy.deepcopy(raw)).to_dict() == raw


def _app(name: str, owner: str | None, **spec: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "finalizers": [RESOURCES_FINALIZER]}
    if owner:
        meta["ownerReferences"] = [
            {"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet", "name": owner}
        ]
    return {"metadata": meta, "spec": {"project": "default", **spec}}


@pytest.mark.parametrize(
    ("policy", "create", "update", "delete"),
    [
        (ApplicationsSync.SYNC, ["new"], ["changed"], ["gone"]),
        (ApplicationsSync.CREATE_ONLY, ["new"], [], []),
        (ApplicationsSync.CREATE_UPDATE, ["new"], ["changed"], []),
        (ApplicationsSync.CREATE_DELETE, ["new"], [], ["gone"]),
    ],
)
def test_plan_follows_applications_sync_policy(
    policy: ApplicationsSync, create: list[str], update: list[str], delete: list[str]
) -> None:
    desired = [_app("new", "s"), _app("same", "s"), _app("changed", "s", x=2), _app("theirs", "s")]
    existing = [
        _app("same", "s"),
        _app("changed", "s", x=1),
        _app("gone", "s"),
        _app("theirs", None),
        _app("other-set", "t"),
    ]
    changes = plan_changes("s", desired, existing, policy)
    assert [a["metadata"]["name"] for a in changes.create] == create
    assert [a["metadata"]["name"] for a in changes.update] == update
    assert changes.delete == delete
    assert changes.conflicts == ["Application theirs exists and is owned by no ApplicationSet"]
