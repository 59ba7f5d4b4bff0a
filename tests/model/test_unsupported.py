"""Fields Seaway reads but does not act on are named, never silently ignored."""

from __future__ import annotations

import pytest
import yaml

from seaway.model import (
    Application,
    AppProject,
    describe_unsupported,
    parse_object,
    unsupported_fields,
)
from tests.model.manifests import (
    AUTOMATED,
    GUESTBOOK,
    HELM,
    IGNORE_DIFFERENCES,
    KUSTOMIZE,
    MULTI_SOURCE,
    PROJECT,
)


def _app(text: str, **spec_changes: object) -> Application:
    doc = yaml.safe_load(text)
    doc["spec"].update(spec_changes)
    app = parse_object(doc)
    assert isinstance(app, Application)
    return app


@pytest.mark.parametrize("text", [GUESTBOOK, HELM, KUSTOMIZE, AUTOMATED, IGNORE_DIFFERENCES])
def test_supported_manifests_report_nothing(text: str) -> None:
    assert unsupported_fields(parse_object(yaml.safe_load(text))) == []


def test_argo_cd_fields_seaway_does_not_act_on() -> None:
    doc = yaml.safe_load(GUESTBOOK)
    source = doc["spec"]["source"]
    source["plugin"] = {"name": "cdk8s", "env": [{"name": "FOO", "value": "bar"}]}
    source["directory"]["jsonnet"] = {"extVars": [{"name": "env", "value": "prod"}]}
    source["helm"] = {
        "fileParameters": [{"name": "config", "path": "files/config.json"}],
        "version": "v2",
        "valueFiles": ["values.yaml"],
    }
    source["kustomize"] = {"version": "v3.5.4", "namePrefix": "prod-"}
    doc["spec"]["syncPolicy"] = {
        "managedNamespaceMetadata": {"labels": {"team": "web"}},
        "syncOptions": ["CreateNamespace=true"],
    }
    doc["operation"] = {"sync": {"revision": "HEAD"}}
    app = parse_object(doc)
    assert unsupported_fields(app) == [
        "spec.source.directory.jsonnet",
        "spec.source.helm.fileParameters",
        "spec.source.helm.version",
        "spec.source.kustomize.version",
        "spec.source.plugin",
        "spec.syncPolicy.managedNamespaceMetadata",
        "operation",
    ]
    reasons = {field.path: field.reason for field in describe_unsupported(app)}
    assert reasons["spec.source.plugin"] == "config management plugins are not supported"
    assert reasons["spec.source.directory.jsonnet"] == "Jsonnet is not rendered"


def test_fields_left_at_their_zero_value_are_not_reported() -> None:
    doc = yaml.safe_load(GUESTBOOK)
    doc["spec"]["source"]["directory"]["jsonnet"] = {}
    doc["spec"]["source"]["helm"] = {"fileParameters": [], "passCredentials": False}
    assert unsupported_fields(parse_object(doc)) == []


@pytest.mark.parametrize(("version", "reported"), [("v3", False), ("3", False), ("v2", True)])
def test_helm_3_is_the_one_version_honoured(version: str, reported: bool) -> None:
    doc = yaml.safe_load(GUESTBOOK)
    doc["spec"]["source"]["helm"] = {"version": version}
    fields = unsupported_fields(parse_object(doc))
    assert fields == (["spec.source.helm.version"] if reported else [])


def test_unknown_keys_anywhere_in_the_spec_and_metadata() -> None:
    doc = yaml.safe_load(GUESTBOOK)
    doc["spec"]["source"]["directory"]["recursive"] = True  # a typo of recurse
    doc["spec"]["destinaton"] = {"namespace": "x"}  # another typo
    doc["spec"]["destination"]["clusterID"] = "abc"
    doc["metadata"]["labelz"] = {"a": "b"}
    doc["topLevel"] = 1
    app = parse_object(doc)
    assert sorted(unsupported_fields(app)) == [
        "metadata.labelz",
        "spec.destination.clusterID",
        "spec.destinaton",
        "spec.source.directory.recursive",
        "topLevel",
    ]
    assert {f.reason for f in describe_unsupported(app)} == {"unknown field"}


def test_kubernetes_bookkeeping_in_metadata_is_not_reported() -> None:
    doc = yaml.safe_load(GUESTBOOK)
    doc["metadata"] |= {
        "uid": "0b7c4c1e-8f0f-4b8e-9f43-6f1f2d9b0c11",
        "resourceVersion": "123",
        "generation": 4,
        "creationTimestamp": "2024-05-01T10:00:00Z",
        "managedFields": [{"manager": "kubectl", "operation": "Apply"}],
    }
    assert unsupported_fields(parse_object(doc)) == []


def test_status_is_not_checked() -> None:
    doc = yaml.safe_load(GUESTBOOK)
    doc["status"] = {"somethingNew": True, "sync": {"status": "Synced"}}
    assert unsupported_fields(parse_object(doc)) == []


def test_unknown_sync_options_are_reported_by_index() -> None:
    app = _app(
        GUESTBOOK,
        syncPolicy={
            "syncOptions": ["CreateNamespace=true", "FutureOption=on", "createNamespace=true"]
        },
    )
    assert unsupported_fields(app) == [
        "spec.syncPolicy.syncOptions[1]",
        "spec.syncPolicy.syncOptions[2]",
    ]
    assert str(describe_unsupported(app)[0]) == (
        "spec.syncPolicy.syncOptions[1]: unknown sync option 'FutureOption=on'"
    )


def test_each_of_several_sources_is_checked() -> None:
    doc = yaml.safe_load(MULTI_SOURCE)
    doc["spec"]["sources"][0]["helm"]["passCredentials"] = True
    assert unsupported_fields(parse_object(doc)) == [
        "spec.sources[0].helm.passCredentials",
        "spec.sources[1].ref",
    ]


def test_source_hydrator() -> None:
    doc = yaml.safe_load(GUESTBOOK)
    del doc["spec"]["source"]
    doc["spec"]["sourceHydrator"] = {
        "drySource": {"repoURL": "https://github.com/o/r", "targetRevision": "HEAD", "path": "."},
        "syncSource": {"targetBranch": "env/prod", "path": "prod"},
    }
    app = parse_object(doc)
    assert isinstance(app, Application)
    assert unsupported_fields(app) == ["spec.sourceHydrator"]
    assert app.spec.all_sources() == []


def test_project_fields() -> None:
    doc = yaml.safe_load(PROJECT)
    doc["spec"]["signatureKeys"] = [{"keyID": "4AEE18F83AFDEB23"}]
    doc["spec"]["permitOnlyProjectScopedClusters"] = False
    doc["spec"]["someNewRule"] = "x"
    project = parse_object(doc)
    assert isinstance(project, AppProject)
    assert unsupported_fields(project) == ["spec.someNewRule", "spec.roles", "spec.signatureKeys"]
