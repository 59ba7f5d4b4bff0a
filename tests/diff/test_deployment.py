"""A realistic Deployment: what counts as drift and what is only the server's doing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from seaway.diff import FieldChange, diff
from seaway.model.keys import ResourceKey
from seaway.model.status import SyncStatus
from tests.diff.samples import (
    container,
    desired_deployment,
    live_deployment,
    managed_entry,
    seaway_fields,
)

Edit = Callable[[dict[str, Any], dict[str, Any]], None]


def test_desired_equals_live_with_server_defaults_metadata_and_status() -> None:
    result = diff(desired_deployment(), live_deployment())

    assert not result.modified
    assert result.changes == ()
    assert result.sync_status is SyncStatus.SYNCED
    assert result.key == ResourceKey("apps", "Deployment", "shop", "shop")
    assert result.text() == ""
    # Only what was compared remains, written alike on both sides.
    assert result.normalized_desired == result.normalized_live
    live = result.normalized_live
    assert live is not None
    assert "status" not in live
    assert "managedFields" not in live["metadata"]
    assert "strategy" not in live["spec"]
    assert container(live)["resources"]["requests"]["cpu"] == "0.5"


def _set(path: tuple[str | int, ...], value: Any, on: str = "live") -> Edit:
    def edit(desired: dict[str, Any], live: dict[str, Any]) -> None:
        target: Any = live if on == "live" else desired
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return edit


def _delete(path: tuple[str | int, ...], on: str) -> Edit:
    def edit(desired: dict[str, Any], live: dict[str, Any]) -> None:
        target: Any = live if on == "live" else desired
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return edit


C = ("spec", "template", "spec", "containers", 0)

DRIFT: list[tuple[str, Edit, list[FieldChange]]] = [
    (
        "replicas scaled by hand",
        _set(("spec", "replicas"), 5),
        [FieldChange("/spec/replicas", 2, 5)],
    ),
    (
        "image changed live",
        _set((*C, "image"), "example/shop:1.4.3"),
        [
            FieldChange(
                "/spec/template/spec/containers/0/image",
                "example/shop:1.4.2",
                "example/shop:1.4.3",
            )
        ],
    ),
    (
        "image changed in Git",
        _set((*C, "image"), "example/shop:2.0.0", on="desired"),
        [
            FieldChange(
                "/spec/template/spec/containers/0/image",
                "example/shop:2.0.0",
                "example/shop:1.4.2",
            )
        ],
    ),
    (
        "memory limit really changed",
        _set((*C, "resources", "limits", "memory"), "2Gi"),
        [FieldChange("/spec/template/spec/containers/0/resources/limits/memory", "1Gi", "2Gi")],
    ),
    (
        "env value changed",
        _set((*C, "env", 1, "value"), "8"),
        [FieldChange("/spec/template/spec/containers/0/env/1/value", "4", "8")],
    ),
    (
        "env var added live by someone",
        lambda d, lv: container(lv)["env"].append({"name": "DEBUG", "value": "1"}),
        [
            FieldChange(
                "/spec/template/spec/containers/0/env/2", None, {"name": "DEBUG", "value": "1"}
            )
        ],
    ),
    (
        "env var added in Git",
        lambda d, lv: container(d)["env"].append({"name": "DEBUG", "value": "1"}),
        [
            FieldChange(
                "/spec/template/spec/containers/0/env/2", {"name": "DEBUG", "value": "1"}, None
            )
        ],
    ),
    (
        "label changed live",
        _set(("metadata", "labels", "tier"), "api"),
        [FieldChange("/metadata/labels/tier", "web", "api")],
    ),
    (
        "a typo in Git the server dropped",
        _set((*C, "imagePullPolicyy"), "Always", on="desired"),
        [FieldChange("/spec/template/spec/containers/0/imagePullPolicyy", "Always", None)],
    ),
    (
        "container port number changed live",
        _set((*C, "ports", 0, "containerPort"), 9090),
        [
            FieldChange(
                "/spec/template/spec/containers/0/ports/0",
                {"containerPort": 8080, "name": "http"},
                None,
            ),
            FieldChange(
                "/spec/template/spec/containers/0/ports/0",
                None,
                {"containerPort": 9090, "name": "http", "protocol": "TCP"},
            ),
        ],
    ),
    (
        "a second container added in Git",
        lambda d, lv: d["spec"]["template"]["spec"]["containers"].append(
            {"name": "proxy", "image": "envoy:1"}
        ),
        [
            FieldChange(
                "/spec/template/spec/containers/1", {"name": "proxy", "image": "envoy:1"}, None
            )
        ],
    ),
    (
        "a field desired sets as a map is a string live",
        _set((*C, "resources"), "none"),
        [
            FieldChange(
                "/spec/template/spec/containers/0/resources",
                {
                    "requests": {"cpu": "0.5", "memory": "256Mi"},
                    "limits": {"cpu": 1, "memory": "1Gi"},
                },
                "none",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("edit", "expected"), [(e, x) for _, e, x in DRIFT], ids=[n for n, *_ in DRIFT]
)
def test_drift_is_found_at_its_field(edit: Edit, expected: list[FieldChange]) -> None:
    desired, live = desired_deployment(), live_deployment()
    edit(desired, live)

    result = diff(desired, live)

    assert result.modified
    assert result.sync_status is SyncStatus.OUT_OF_SYNC
    assert list(result.changes) == expected
    assert result.text().startswith("--- live/apps/Deployment/shop/shop\n")


NOT_DRIFT: list[tuple[str, Edit]] = [
    (
        "env reordered in Git",
        lambda d, lv: container(d)["env"].reverse(),
    ),
    ("cpu 1 == '1000m'", _set((*C, "resources", "limits", "cpu"), "1000m")),
    ("memory 1Gi == bytes", _set((*C, "resources", "limits", "memory"), "1073741824")),
    ("memory 1Gi == 1024Mi", _set((*C, "resources", "limits", "memory"), "1024Mi")),
    ("cpu 0.5 as a number", _set((*C, "resources", "requests", "cpu"), 0.5, on="desired")),
    ("cpu 500m in Git", _set((*C, "resources", "requests", "cpu"), "500m", on="desired")),
    ("controller annotation", _set(("metadata", "annotations", "team"), "x")),
    (
        "a label added by another manager and not Seaway's",
        _set(("metadata", "labels", "owner"), "platform"),
    ),
    ("empty map in Git", _set((*C, "securityContext"), {}, on="desired")),
    ("false in Git the server drops", _set((*C, "volumeMounts", 0, "readOnly"), False, "desired")),
    ("empty string in Git", _set((*C, "workingDir"), "", on="desired")),
    ("null in Git", _set((*C, "command"), None, on="desired")),
    ("empty annotations in Git", _set(("metadata", "annotations"), {}, on="desired")),
    ("protocol TCP written in Git", _set((*C, "ports", 0, "protocol"), "TCP", on="desired")),
    ("namespace left out of Git", _delete(("metadata", "namespace"), on="desired")),
    ("status in Git", _set(("status",), {"replicas": 9}, on="desired")),
    ("uid in Git", _set(("metadata", "uid"), "abc", on="desired")),
]


@pytest.mark.parametrize("edit", [e for _, e in NOT_DRIFT], ids=[n for n, _ in NOT_DRIFT])
def test_harmless_differences_are_no_drift(edit: Edit) -> None:
    desired, live = desired_deployment(), live_deployment()
    edit(desired, live)

    result = diff(desired, live)

    assert result.changes == ()
    assert not result.modified


def test_keyed_items_match_by_key_whatever_their_order() -> None:
    desired, live = desired_deployment(), live_deployment()
    pod = live["spec"]["template"]["spec"]
    pod["containers"].insert(0, dict(pod["containers"][0], name="sidecar", image="s:1"))
    desired_pod = desired["spec"]["template"]["spec"]
    desired_pod["containers"].insert(0, {"name": "sidecar", "image": "s:1"})
    desired_pod["containers"].reverse()

    assert diff(desired, live).changes == ()


def test_atomic_lists_compare_by_position() -> None:
    desired, live = desired_deployment(), live_deployment()
    container(desired)["args"] = ["--port", "8080"]
    container(live)["args"] = ["--port", "8080"]
    assert not diff(desired, live).modified

    container(live)["args"] = ["--port", "8080", "--debug"]
    assert list(diff(desired, live).changes) == [
        FieldChange("/spec/template/spec/containers/0/args/2", None, "--debug")
    ]
    container(live)["args"] = ["8080", "--port"]
    assert [c.path for c in diff(desired, live).changes] == [
        "/spec/template/spec/containers/0/args/0",
        "/spec/template/spec/containers/0/args/1",
    ]


def test_tolerations_have_no_key_and_compare_item_by_item_ignoring_defaults() -> None:
    desired, live = desired_deployment(), live_deployment()
    toleration = {"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}
    desired["spec"]["template"]["spec"]["tolerations"] = [dict(toleration)]
    live["spec"]["template"]["spec"]["tolerations"] = [dict(toleration, tolerationSeconds=30)]
    assert not diff(desired, live).modified

    live["spec"]["template"]["spec"]["tolerations"][0]["effect"] = "NoExecute"
    assert [c.path for c in diff(desired, live).changes] == [
        "/spec/template/spec/tolerations/0/effect"
    ]


REMOVED: list[tuple[str, Edit, list[FieldChange]]] = [
    (
        "label",
        _delete(("metadata", "labels", "tier"), on="desired"),
        [FieldChange("/metadata/labels/tier", None, "web")],
    ),
    (
        "all labels",
        _delete(("metadata", "labels"), on="desired"),
        [FieldChange("/metadata/labels", None, {"app": "shop", "tier": "web"})],
    ),
    (
        "env var",
        lambda d, lv: container(d)["env"].pop(),
        [
            FieldChange(
                "/spec/template/spec/containers/0/env/1", None, {"name": "WORKERS", "value": "4"}
            )
        ],
    ),
    (
        "cpu limit",
        _delete((*C, "resources", "limits", "cpu"), on="desired"),
        [FieldChange("/spec/template/spec/containers/0/resources/limits/cpu", None, "1")],
    ),
    (
        "replicas",
        _delete(("spec", "replicas"), on="desired"),
        [FieldChange("/spec/replicas", None, 2)],
    ),
    (
        "the volume, shown as Seaway set it and not with the server's defaultMode",
        lambda d, lv: d["spec"]["template"]["spec"].pop("volumes"),
        [
            FieldChange(
                "/spec/template/spec/volumes",
                None,
                [{"name": "config", "configMap": {"name": "shop"}}],
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("edit", "expected"), [(e, x) for _, e, x in REMOVED], ids=[n for n, *_ in REMOVED]
)
def test_a_field_seaway_applied_and_git_dropped_is_drift(
    edit: Edit, expected: list[FieldChange]
) -> None:
    desired, live = desired_deployment(), live_deployment()
    edit(desired, live)

    assert list(diff(desired, live).changes) == expected
    # Seaway owns those fields only under its own manager name; a keyed list item is the
    # exception: its presence is drift whoever owns it.
    keyed = expected[0].path.startswith("/spec/template/spec/containers/0/env/")
    assert bool(diff(desired, live, manager="flux").changes) == keyed


def test_a_field_only_another_manager_owns_is_not_seaways_to_remove() -> None:
    desired, live = desired_deployment(), live_deployment()
    live["metadata"]["labels"]["owner"] = "platform"
    live["metadata"]["managedFields"].append(
        managed_entry("kubectl-label", {"f:metadata": {"f:labels": {"f:owner": {}}}})
    )
    assert diff(desired, live).changes == ()


def test_ownership_moved_to_another_manager_still_shows_a_changed_value() -> None:
    desired, live = desired_deployment(), live_deployment()
    live["spec"]["replicas"] = 7
    del seaway_fields(live)["f:spec"]["f:replicas"]
    live["metadata"]["managedFields"].append(
        managed_entry("kubectl-scale", {"f:spec": {"f:replicas": {}}})
    )
    assert list(diff(desired, live).changes) == [FieldChange("/spec/replicas", 2, 7)]


def test_text_shows_the_change_in_context() -> None:
    desired, live = desired_deployment(), live_deployment()
    container(live)["image"] = "example/shop:9"
    text = diff(desired, live).text()

    assert text.splitlines()[:2] == [
        "--- live/apps/Deployment/shop/shop",
        "+++ desired/apps/Deployment/shop/shop",
    ]
    assert "-        image: example/shop:9\n" in text
    assert "+        image: example/shop:1.4.2\n" in text
    # Context lines are the compared fields only, not server defaults.
    assert "terminationMessagePath" not in text


def test_inputs_are_not_changed() -> None:
    desired, live = desired_deployment(), live_deployment()
    container(live)["env"].append({"name": "X", "value": "1"})
    before = (repr(desired), repr(live))
    diff(desired, live)
    assert (repr(desired), repr(live)) == before
