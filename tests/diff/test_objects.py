"""Whole objects: create, prune, matching lists, other kinds, the text diff, bad input."""

from __future__ import annotations

from typing import Any

import pytest

from seaway.diff import FieldChange, diff, diff_many, key_of
from seaway.diff.managed_fields import adopt, owned_fields, project
from seaway.model.keys import ResourceKey
from seaway.model.status import SyncStatus
from tests.diff.samples import desired_deployment, live_deployment


def configmap(name: str, namespace: str = "shop", **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": dict(data),
    }


def service(ports: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "shop", "namespace": "shop"},
        "spec": {"selector": {"app": "shop"}, "ports": ports, **spec},
    }


def live_service(ports: list[dict[str, Any]]) -> dict[str, Any]:
    return service(
        ports,
        clusterIP="10.96.12.7",
        clusterIPs=["10.96.12.7"],
        internalTrafficPolicy="Cluster",
        ipFamilies=["IPv4"],
        ipFamilyPolicy="SingleStack",
        sessionAffinity="None",
        type="ClusterIP",
    )


def test_missing_live_needs_create() -> None:
    desired = desired_deployment()
    result = diff(desired, None)
    assert result.modified
    assert result.missing_live
    assert not result.extra_live
    assert result.sync_status is SyncStatus.OUT_OF_SYNC
    assert result.normalized_live is None
    assert result.normalized_desired is not None
    assert result.changes == (FieldChange("", result.normalized_desired, None),)
    text = result.text()
    assert text.startswith("--- live/apps/Deployment/shop/shop\n+++ desired/")
    assert "+    app: shop\n" in text
    assert not any(line.startswith("-") for line in text.splitlines()[2:])


def test_extra_live_is_a_prune_candidate_shown_without_server_fields() -> None:
    result = diff(None, live_deployment())
    assert result.modified
    assert result.extra_live
    assert not result.missing_live
    assert result.normalized_desired is None
    live = result.normalized_live
    assert live is not None
    assert "status" not in live
    assert "managedFields" not in live["metadata"]
    assert "uid" not in live["metadata"]
    assert "kubectl.kubernetes.io/last-applied-configuration" not in live["metadata"]["annotations"]
    assert all(line[0] in "-@" for line in result.text().splitlines()[2:])


def test_neither_side_is_an_error() -> None:
    with pytest.raises(ValueError, match="neither"):
        diff(None, None)


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"apiVersion": "v1", "metadata": {"name": "x"}}, "has no kind"),
        (
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}},
            "ConfigMap has no metadata.name",
        ),
        ({"kind": "ConfigMap", "metadata": {"name": "x"}}, "ConfigMap 'x' has no apiVersion"),
    ],
)
def test_objects_without_identity_are_refused(obj: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        key_of(obj)
    with pytest.raises(ValueError, match=message):
        diff(obj, None)


@pytest.mark.parametrize(
    ("desired", "live", "changed"),
    [
        # The server fills in protocol, targetPort, clusterIP, sessionAffinity, type, ...
        (
            [{"port": 80, "targetPort": 8080}],
            [{"port": 80, "protocol": "TCP", "targetPort": 8080}],
            [],
        ),
        (
            [{"port": 53, "protocol": "UDP", "name": "dns"}, {"port": 53, "name": "dns-tcp"}],
            [
                {"port": 53, "protocol": "TCP", "name": "dns-tcp", "targetPort": 53},
                {"port": 53, "protocol": "UDP", "name": "dns", "targetPort": 53},
            ],
            [],
        ),
        (
            [{"port": 80, "targetPort": 8080}],
            [{"port": 80, "protocol": "TCP", "targetPort": 9090}],
            ["/spec/ports/0/targetPort"],
        ),
        (
            [{"port": 80, "targetPort": "http"}],
            [
                {"port": 80, "protocol": "TCP", "targetPort": "http"},
                {"port": 81, "protocol": "TCP"},
            ],
            ["/spec/ports/1"],
        ),
    ],
)
def test_service_ports_match_by_port_and_protocol(
    desired: list[dict[str, Any]], live: list[dict[str, Any]], changed: list[str]
) -> None:
    result = diff(service(desired), live_service(live))
    assert [c.path for c in result.changes] == changed


def test_diff_many_matches_by_key_and_finds_create_and_prune() -> None:
    desired = [
        desired_deployment(),
        configmap("settings", theme="dark"),
        configmap("new", namespace="", a="1"),
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
    ]
    live = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "uid": "1"}},
        configmap("old", a="1"),
        configmap("settings", theme="light"),
        live_deployment(),
    ]

    results = diff_many(desired, live, namespace="shop")

    assert list(results) == [
        ResourceKey("apps", "Deployment", "shop", "shop"),
        ResourceKey("", "ConfigMap", "shop", "settings"),
        ResourceKey("", "ConfigMap", "shop", "new"),
        ResourceKey("", "Namespace", "", "shop"),
        ResourceKey("", "ConfigMap", "shop", "old"),
    ]
    verdicts = {key.name + "/" + key.kind: r for key, r in results.items()}
    assert not verdicts["shop/Deployment"].modified
    assert [c.path for c in verdicts["settings/ConfigMap"].changes] == ["/data/theme"]
    assert verdicts["new/ConfigMap"].missing_live
    assert not verdicts["shop/Namespace"].modified
    assert verdicts["old/ConfigMap"].extra_live
    # The caller's object did not get the namespace written into it.
    assert desired[2]["metadata"]["namespace"] == ""


def test_diff_many_refuses_a_duplicate() -> None:
    with pytest.raises(ValueError, match="ConfigMap/shop/a is rendered twice"):
        diff_many([configmap("a"), configmap("a")], [])


def test_diff_many_uses_the_callers_scope_knowledge() -> None:
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    live = dict(widget)
    assert list(diff_many([widget], [live], namespace="shop")) == [
        ResourceKey("example.com", "Widget", "shop", "w"),
        ResourceKey("example.com", "Widget", "", "w"),
    ]
    results = diff_many([widget], [live], namespace="shop", cluster_scoped=lambda g, k: True)
    assert [r.modified for r in results.values()] == [False]


def test_multiline_strings_diff_line_by_line() -> None:
    desired = configmap("cfg", **{"app.yaml": "a: 1\nb: 2\nc: 3\n"})
    live = configmap("cfg", **{"app.yaml": "a: 1\nb: 20\nc: 3\n"})
    text = diff(desired, live).text()
    assert "  app.yaml: |\n" in text
    assert "-    b: 20\n+    b: 2\n" in text


def test_owned_fields_union_of_entries_and_managers() -> None:
    live = live_deployment()
    owned = owned_fields(live, ("seaway", "kube-controller-manager"))
    assert owned is not None
    assert "f:status" in owned
    assert "f:annotations" in owned["f:metadata"]
    assert "f:labels" in owned["f:metadata"]
    assert owned_fields(live, ("nobody",)) is None
    assert owned_fields({"metadata": {}}, ("seaway",)) is None


def test_project_keeps_only_owned_fields_of_list_items() -> None:
    fields: dict[str, Any] = {
        'k:{"name":"a"}': {".": {}, "f:name": {}, "f:value": {}},
        'v:"x"': {},
        "i:3": {},
    }
    assert project([{"name": "a", "value": 1, "extra": 2}, {"name": "b"}], fields) == [
        {"name": "a", "value": 1}
    ]
    assert project(["y", "x"], fields) == ["x"]
    assert project([0, 1, 2, 3], fields) == [3]


def test_adopt_copies_owned_values_into_desired() -> None:
    fields: dict[str, Any] = {
        "f:spec": {
            "f:replicas": {},
            "f:ports": {'k:{"port":80,"protocol":"TCP"}': {".": {}, "f:nodePort": {}}},
        }
    }
    desired = {"spec": {"replicas": 1, "ports": [{"port": 80}]}}
    live = {"spec": {"replicas": 4, "ports": [{"port": 80, "protocol": "TCP", "nodePort": 30080}]}}
    assert adopt(desired, live, fields) == {
        "spec": {"replicas": 4, "ports": [{"port": 80, "nodePort": 30080}]}
    }
    assert desired == {"spec": {"replicas": 1, "ports": [{"port": 80}]}}
