"""Loading Argo CD manifests as Argo CD's documentation writes them, and writing them back."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import yaml

from seaway.model import (
    Application,
    AppProject,
    DeletePolicy,
    ManifestError,
    PropagationPolicy,
    SyncWindowKind,
    load_documents,
    parse_object,
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

ALL = [GUESTBOOK, HELM, KUSTOMIZE, MULTI_SOURCE, AUTOMATED, IGNORE_DIFFERENCES, PROJECT]


def _one_app(text: str) -> Application:
    [obj] = load_documents(text, "app.yaml")
    assert isinstance(obj, Application)
    return obj


def test_guestbook_with_directory_recurse() -> None:
    app = _one_app(GUESTBOOK)
    assert app.name == "guestbook"
    assert app.namespace == "argocd"
    assert app.metadata.labels == {"team": "web"}
    assert app.metadata.finalizers == ["resources-finalizer.argocd.argoproj.io"]
    assert app.spec.project_name == "default"
    source = app.spec.source
    assert source is not None
    assert source.repo_url == "https://github.com/argoproj/argocd-example-apps.git"
    assert source.target_revision == "HEAD"
    assert source.path == "guestbook"
    assert source.directory is not None
    assert source.directory.recurse is True
    assert source.directory.include == "*.yaml"
    assert source.directory.exclude == "{config.yaml,secrets/*}"
    assert app.spec.destination.server == "https://kubernetes.default.svc"
    assert app.spec.destination.namespace == "guestbook"
    assert app.spec.all_sources() == [source]
    assert not app.spec.has_multiple_sources
    assert app.spec.sync_policy is None
    assert app.spec.history_limit == 10


def test_helm_with_values_object_and_parameters() -> None:
    app = _one_app(HELM)
    source = app.spec.source
    assert source is not None
    assert source.helm is not None
    helm = source.helm
    assert helm.release_name == "podinfo-prod"
    assert helm.value_files == ["values-prod.yaml"]
    assert [(p.name, p.value, p.force_string) for p in helm.parameters] == [
        ("image.tag", "6.5.0", False),
        ("ingress.annotations.kubernetes\\.io/tls-acme", "true", True),
    ]
    assert helm.values_object is not None
    assert helm.values_object["replicaCount"] == 3
    assert helm.values_object["ingress"]["hosts"][0]["host"] == "podinfo.example.com"
    assert app.spec.destination.name == "in-cluster"
    assert app.spec.destination.server == ""
    assert app.spec.history_limit == 5
    annotation = "notifications.argoproj.io/subscribe.on-sync-succeeded.slack"
    assert app.metadata.annotations == {annotation: "deploys"}


def test_kustomize_with_images_and_patches() -> None:
    app = _one_app(KUSTOMIZE)
    source = app.spec.source
    assert source is not None
    assert source.kustomize is not None
    kustomize = source.kustomize
    assert kustomize.name_prefix == "staging-"
    assert kustomize.name_suffix == "-v2"
    assert kustomize.namespace == "shop-staging"
    assert kustomize.images[0] == "gcr.io/heptio-images/ks-guestbook-demo:0.2"
    assert kustomize.images[1] == "api=registry.example.com/shop/api:1.4.2"
    assert kustomize.images[2].startswith("worker=registry.example.com/shop/worker@sha256:")
    assert kustomize.common_labels == {"env": "staging"}
    assert kustomize.common_annotations == {"owner": "shop-team"}
    [patch] = kustomize.patches
    assert patch.target is not None
    assert (patch.target.kind, patch.target.name) == ("Deployment", "api")
    assert "/spec/replicas" in patch.patch


def test_multi_source_with_ref() -> None:
    app = _one_app(MULTI_SOURCE)
    assert app.spec.source is None
    assert app.spec.has_multiple_sources
    chart, values = app.spec.all_sources()
    assert chart.path == "charts/prometheus"
    assert chart.helm is not None
    assert chart.helm.value_files == ["$values/monitoring/prometheus/values.yaml"]
    assert values.ref == "values"
    assert values.path == ""


def test_automated_sync_with_options_and_retry() -> None:
    app = _one_app(AUTOMATED)
    policy = app.spec.sync_policy
    assert policy is not None
    assert policy.automated is not None
    assert policy.is_automated
    assert policy.automated.prune is True
    assert policy.automated.self_heal is True
    assert policy.automated.allow_empty is False
    options = policy.options
    assert options.validate is False
    assert options.create_namespace is True
    assert options.prune_propagation_policy is PropagationPolicy.BACKGROUND
    assert options.prune_last is True
    assert options.server_side_apply is True
    assert options.apply_out_of_sync_only is True
    assert options.replace is False
    assert options.prune is DeletePolicy.ALLOWED
    assert options.unknown == ()
    assert policy.retry is not None
    assert policy.retry.limit == 5
    assert policy.retry.schedule() == [timedelta(seconds=s) for s in (5, 10, 20, 40, 80)]


def test_automated_can_be_switched_off_explicitly() -> None:
    text = AUTOMATED.replace("      prune: true\n", "      enabled: false\n      prune: true\n")
    policy = _one_app(text).spec.sync_policy
    assert policy is not None
    assert policy.automated is not None
    assert policy.automated.enabled is False
    assert not policy.is_automated


def test_ignore_differences_with_jq_path_expressions() -> None:
    app = _one_app(IGNORE_DIFFERENCES)
    replicas, webhook, managers = app.spec.ignore_differences
    assert (replicas.group, replicas.kind, replicas.json_pointers) == (
        "apps",
        "Deployment",
        ["/spec/replicas"],
    )
    assert webhook.name == "sidecar-injector"
    assert webhook.jq_path_expressions == [
        ".webhooks[]?.clientConfig.caBundle",
        '.webhooks[] | select(.name == "inject.example.com").failurePolicy',
    ]
    assert (managers.group, managers.kind) == ("*", "*")
    assert managers.managed_fields_managers == ["kube-controller-manager"]
    assert app.spec.sync_policy is not None
    assert app.spec.sync_policy.options.respect_ignore_differences is True
    # A sync policy without `automated` leaves automation off.
    assert not app.spec.sync_policy.is_automated


def test_project() -> None:
    [project] = load_documents(PROJECT, "projects.yaml")
    assert isinstance(project, AppProject)
    spec = project.spec
    assert spec.description == "Team A's applications"
    assert spec.source_repos == ["https://github.com/org/*", "!https://github.com/org/secret-*"]
    assert [(d.server, d.name, d.namespace) for d in spec.destinations] == [
        ("https://kubernetes.default.svc", "", "team-a-*"),
        ("", "staging", "team-a"),
    ]
    assert [str(item) for item in spec.cluster_resource_whitelist] == ["Namespace"]
    assert [str(item) for item in spec.namespace_resource_blacklist] == [
        "ResourceQuota",
        "networking.k8s.io/NetworkPolicy",
    ]
    assert spec.namespace_resource_whitelist is None
    allow, deny = spec.sync_windows
    assert allow.kind is SyncWindowKind.ALLOW
    assert (allow.schedule, allow.duration, allow.applications) == ("10 1 * * *", "1h", ["*-prod"])
    assert allow.manual_sync is True
    assert deny.kind is SyncWindowKind.DENY
    assert deny.time_zone == "Europe/Amsterdam"
    [role] = spec.roles
    assert role.name == "read-only"
    assert role.groups == ["team-a-oidc"]


@pytest.mark.parametrize("text", ALL)
def test_to_dict_gives_back_the_manifest(text: str) -> None:
    [obj] = load_documents(text, "in.yaml")
    assert obj.to_dict() == yaml.safe_load(text)


@pytest.mark.parametrize("text", ALL)
def test_round_trip_through_json(text: str) -> None:
    [obj] = load_documents(text, "in.yaml")
    [again] = load_documents(json.dumps(obj.to_dict()), "out.json")
    assert again == obj
    assert again.to_dict() == obj.to_dict()


def test_to_dict_omits_unset_fields_and_keeps_given_defaults() -> None:
    text = GUESTBOOK.replace("      recurse: true\n", "      recurse: false\n")
    directory = _one_app(text).to_dict()["spec"]["source"]["directory"]
    # Written explicitly, so kept, although it equals the default.
    assert directory["recurse"] is False
    source = _one_app(GUESTBOOK).to_dict()["spec"]["source"]
    assert "helm" not in source
    assert "chart" not in source


def test_code_built_application_serializes_with_api_version_and_kind() -> None:
    app = parse_object(yaml.safe_load(GUESTBOOK))
    assert isinstance(app, Application)
    app.spec.destination.namespace = "other"
    out = app.to_dict()
    assert out["apiVersion"] == "argoproj.io/v1alpha1"
    assert out["kind"] == "Application"
    assert out["spec"]["destination"]["namespace"] == "other"


def test_unknown_fields_survive_the_round_trip() -> None:
    text = GUESTBOOK.replace("  project: default\n", "  project: default\n  futureField: {a: 1}\n")
    app = _one_app(text)
    assert app.to_dict()["spec"]["futureField"] == {"a": 1}


def test_several_documents_and_empty_ones() -> None:
    text = "---\n" + GUESTBOOK + "---\n# only a comment\n---\n" + PROJECT + "---\n"
    objects = load_documents(text, "all.yaml")
    assert [type(o).__name__ for o in objects] == ["Application", "AppProject"]
    assert [o.metadata.name for o in objects] == ["guestbook", "team-a"]


def test_json_document() -> None:
    text = json.dumps(yaml.safe_load(HELM))
    [app] = load_documents(text, "app.json")
    assert isinstance(app, Application)
    assert app.name == "podinfo"


def test_list_document_as_kubectl_writes_it() -> None:
    listing = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [yaml.safe_load(GUESTBOOK), yaml.safe_load(AUTOMATED)],
    }
    objects = load_documents(yaml.safe_dump(listing), "list.yaml")
    assert [o.metadata.name for o in objects] == ["guestbook", "api"]


def test_empty_text_holds_nothing() -> None:
    assert load_documents("", "empty.yaml") == []
    assert load_documents("---\n# nothing\n", "empty.yaml") == []


def test_status_as_argo_cd_writes_it_loads_and_round_trips() -> None:
    status = {
        "sync": {
            "status": "Synced",
            "revision": "a" * 40,
            "comparedTo": {
                "source": {
                    "repoURL": "https://github.com/argoproj/argocd-example-apps.git",
                    "path": "guestbook",
                    "targetRevision": "HEAD",
                },
                "destination": {
                    "server": "https://kubernetes.default.svc",
                    "namespace": "guestbook",
                },
            },
        },
        "health": {"status": "Healthy", "lastTransitionTime": "2024-05-01T10:00:03Z"},
        "operationState": {
            "operation": {
                "sync": {"revision": "a" * 40, "prune": True, "syncOptions": ["PruneLast=true"]},
                "initiatedBy": {"automated": True},
                "retry": {"limit": 5},
            },
            "phase": "Succeeded",
            "message": "successfully synced (all tasks run)",
            "startedAt": "2024-05-01T10:00:00Z",
            "finishedAt": "2024-05-01T10:00:02Z",
            "syncResult": {
                "revision": "a" * 40,
                "resources": [
                    {
                        "group": "apps",
                        "version": "v1",
                        "kind": "Deployment",
                        "namespace": "guestbook",
                        "name": "guestbook-ui",
                        "status": "Synced",
                        "message": "deployment.apps/guestbook-ui configured",
                        "hookPhase": "Running",
                        "syncPhase": "Sync",
                    },
                    {
                        "group": "batch",
                        "version": "v1",
                        "kind": "Job",
                        "namespace": "guestbook",
                        "name": "db-migrate",
                        "status": "Synced",
                        "hookType": "PreSync",
                        "hookPhase": "Succeeded",
                        "syncPhase": "PreSync",
                    },
                ],
            },
        },
        "history": [
            {
                "id": 3,
                "revision": "a" * 40,
                "deployedAt": "2024-05-01T10:00:02Z",
                "deployStartedAt": "2024-05-01T10:00:00Z",
                "source": {
                    "repoURL": "https://github.com/argoproj/argocd-example-apps.git",
                    "path": "guestbook",
                },
            }
        ],
        "resources": [
            {
                "version": "v1",
                "kind": "Service",
                "namespace": "guestbook",
                "name": "guestbook-ui",
                "status": "Synced",
                "health": {"status": "Healthy"},
            },
            {
                "group": "apps",
                "version": "v1",
                "kind": "Deployment",
                "namespace": "guestbook",
                "name": "old",
                "status": "OutOfSync",
                "requiresPruning": True,
            },
        ],
        "conditions": [
            {
                "type": "SharedResourceWarning",
                "message": "ConfigMap/x is part of applications a and b",
                "lastTransitionTime": "2024-05-01T10:00:00Z",
            },
            {"type": "SomeFutureError", "message": "a type Seaway does not know"},
        ],
        "reconciledAt": "2024-05-01T10:05:00Z",
        "observedAt": "2024-05-01T10:05:00Z",
        "sourceType": "Directory",
        "summary": {"images": ["gcr.io/heptio-images/ks-guestbook-demo:0.2"]},
    }
    manifest = yaml.safe_load(GUESTBOOK) | {"status": status}
    app = parse_object(manifest)
    assert isinstance(app, Application)
    assert app.status is not None
    assert app.status.sync is not None
    assert app.status.sync.status == "Synced"
    state = app.status.operation_state
    assert state is not None
    assert state.phase == "Succeeded"
    assert state.sync_result is not None
    assert str(state.sync_result.resources[1].key) == "batch/Job/guestbook/db-migrate"
    assert state.sync_result.resources[1].hook_type == "PreSync"
    assert app.status.history[0].id == 3
    assert app.status.resources[1].requires_pruning is True
    assert app.status.resources[0].key.group == ""
    assert [c.is_error for c in app.status.conditions] == [False, True]
    assert app.to_dict() == manifest


def test_status_rejects_a_sync_status_argo_cd_does_not_have() -> None:
    manifest = yaml.safe_load(GUESTBOOK) | {"status": {"sync": {"status": "Syncing"}}}
    with pytest.raises(ManifestError) as caught:
        parse_object(manifest, "app.yaml")
    message = str(caught.value)
    assert message.startswith("app.yaml, document 1 (Application guestbook): status.sync.status:")
    assert "'Synced', 'OutOfSync' or 'Unknown'" in message
