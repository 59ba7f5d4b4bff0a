"""ignoreDifferences: json pointers, jq path expressions, trusted managers, rule selection."""

from __future__ import annotations

from typing import Any

import pytest

from seaway.diff import IgnoreRule, diff, rules_from_argo
from seaway.model.keys import ResourceKey
from tests.diff.samples import container, desired_deployment, live_deployment, managed_entry

KEY = ResourceKey("apps", "Deployment", "shop", "shop")


@pytest.mark.parametrize(
    ("rule", "matches"),
    [
        (IgnoreRule(group="*"), True),
        (IgnoreRule(group="apps", kind="Deployment"), True),
        (IgnoreRule(group="*", kind="*"), True),
        (IgnoreRule(group="apps", kind="Deploy*"), True),
        (IgnoreRule(group="apps", kind="Deployment", name="shop", namespace="shop"), True),
        # An empty group means the core group, as in Argo CD: a Deployment is in "apps".
        (IgnoreRule(group="", kind="Deployment"), False),
        # Built in code without a group: any group.
        (IgnoreRule(kind="Deployment"), True),
        (IgnoreRule(group="batch", kind="Deployment"), False),
        (IgnoreRule(group="apps", kind="StatefulSet"), False),
        (IgnoreRule(group="apps", kind="Deployment", name="cart"), False),
        (IgnoreRule(group="apps", kind="Deployment", namespace="prod"), False),
        (IgnoreRule(group="apps", kind="deployment"), False),
    ],
)
def test_rule_selects_objects(rule: IgnoreRule, matches: bool) -> None:
    assert rule.matches(KEY) is matches


def test_rules_from_argo_camel_case() -> None:
    rules = rules_from_argo(
        [
            {
                "group": "apps",
                "kind": "Deployment",
                "name": "shop",
                "namespace": "shop",
                "jsonPointers": ["/spec/replicas"],
                "jqPathExpressions": [".spec.template.spec.initContainers[]?"],
                "managedFieldsManagers": ["kube-controller-manager"],
            },
            {"kind": "Service"},
        ]
    )
    assert rules == (
        IgnoreRule(
            group="apps",
            kind="Deployment",
            name="shop",
            namespace="shop",
            json_pointers=("/spec/replicas",),
            jq_path_expressions=(".spec.template.spec.initContainers[]?",),
            managed_fields_managers=("kube-controller-manager",),
        ),
        # No group in Argo CD's form is the core group, where Services live.
        IgnoreRule(group="", kind="Service"),
    )
    assert rules_from_argo(None) == ()
    assert not rules[1].matches(ResourceKey("apps", "Service", "a", "b"))
    assert rules[1].matches(ResourceKey("", "Service", "a", "b"))


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"kind": "X", "jsonPointer": ["/a"]}, "unknown field.*jsonPointer"),
        ({"kind": "X", "jsonPointers": "/a"}, "jsonPointers must be a list"),
        ({"kind": "X", "jsonPointers": ["spec"]}, "must be empty or start with '/'"),
        ({"kind": "X", "jqPathExpressions": [".spec["]}, "cannot compile '.spec\\['"),
    ],
)
def test_bad_rules_are_refused_with_the_field_named(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rules_from_argo([entry])


def test_a_single_string_is_not_a_list_of_pointers() -> None:
    with pytest.raises(TypeError, match="json_pointers must be a sequence"):
        IgnoreRule(json_pointers="/spec/replicas")  # type: ignore[arg-type]


def test_lists_become_tuples_so_rules_stay_hashable() -> None:
    rule = IgnoreRule(json_pointers=["/a"])  # type: ignore[arg-type]
    assert rule.json_pointers == ("/a",)
    assert hash(rule) == hash(IgnoreRule(json_pointers=("/a",)))


def _drifted() -> tuple[dict[str, Any], dict[str, Any]]:
    desired, live = desired_deployment(), live_deployment()
    live["spec"]["replicas"] = 5
    container(live)["image"] = "example/shop:hotfix"
    live["spec"]["template"]["spec"]["initContainers"] = [{"name": "mesh-init", "image": "m:1"}]
    desired["spec"]["template"]["spec"]["initContainers"] = []
    return desired, live


ALL = {
    "/spec/replicas",
    "/spec/template/spec/containers/0/image",
    "/spec/template/spec/initContainers/0",
}


@pytest.mark.parametrize(
    ("rule", "left"),
    [
        (IgnoreRule(), ALL),
        (IgnoreRule(json_pointers=("/spec/replicas",)), ALL - {"/spec/replicas"}),
        (
            IgnoreRule(json_pointers=("/spec/replicas", "/spec/template/spec/containers/0/image")),
            {"/spec/template/spec/initContainers/0"},
        ),
        (IgnoreRule(kind="Service", json_pointers=("/spec/replicas",)), ALL),
        (
            IgnoreRule(
                jq_path_expressions=(
                    '.spec.template.spec.initContainers[] | select(.name == "mesh-init")',
                )
            ),
            ALL - {"/spec/template/spec/initContainers/0"},
        ),
        (
            IgnoreRule(
                jq_path_expressions=(
                    '.spec.template.spec.containers[] | select(.name == "shop") | .image',
                )
            ),
            ALL - {"/spec/template/spec/containers/0/image"},
        ),
        (
            IgnoreRule(
                jq_path_expressions=(
                    '.spec.template.spec.containers[] | select(.name == "other") | .image',
                )
            ),
            ALL,
        ),
        # Fails on objects without the field: selects nothing there, does not break the diff.
        (IgnoreRule(jq_path_expressions=(".spec.nothing[].x",)), ALL),
        (IgnoreRule(jq_path_expressions=(".spec.replicas",)), ALL - {"/spec/replicas"}),
    ],
)
def test_ignore_rules_hide_exactly_their_fields(rule: IgnoreRule, left: set[str]) -> None:
    desired, live = _drifted()
    result = diff(desired, live, ignore=[rule])
    assert {c.path for c in result.changes} == left
    assert result.modified is bool(left)


def test_jq_deletes_several_list_items_without_shifting_the_others() -> None:
    desired, live = desired_deployment(), live_deployment()
    env = container(live)["env"]
    env[:] = [
        {"name": "INJECTED_A", "value": "1"},
        env[0],
        {"name": "INJECTED_B", "value": "2"},
        env[1],
    ]
    assert len(diff(desired, live).changes) == 2
    rule = IgnoreRule(
        jq_path_expressions=(
            '.spec.template.spec.containers[].env[] | select(.name | startswith("INJECTED_"))',
        )
    )
    result = diff(desired, live, ignore=[rule])
    assert result.changes == ()
    assert result.normalized_live is not None
    assert [e["name"] for e in container(result.normalized_live)["env"]] == ["MODE", "WORKERS"]


def test_trusted_manager_fields_take_the_live_value() -> None:
    desired, live = desired_deployment(), live_deployment()
    live["spec"]["replicas"] = 9
    container(live)["env"].append({"name": "INJECTED", "value": "1"})
    live["metadata"]["managedFields"].append(
        managed_entry(
            "hpa-controller",
            {
                "f:spec": {
                    "f:replicas": {},
                    "f:template": {
                        "f:spec": {
                            "f:containers": {
                                'k:{"name":"shop"}': {
                                    "f:env": {
                                        'k:{"name":"INJECTED"}': {
                                            ".": {},
                                            "f:name": {},
                                            "f:value": {},
                                        }
                                    }
                                }
                            }
                        }
                    },
                }
            },
        )
    )
    assert len(diff(desired, live).changes) == 2

    result = diff(desired, live, ignore=[IgnoreRule(managed_fields_managers=("hpa-controller",))])
    assert result.changes == ()
    assert result.normalized_desired is not None
    assert result.normalized_desired["spec"]["replicas"] == 9

    # A manager that owns nothing here hides nothing.
    other = diff(desired, live, ignore=[IgnoreRule(managed_fields_managers=("nobody",))])
    assert len(other.changes) == 2


def test_trusted_manager_does_not_hide_seaways_own_changes() -> None:
    desired, live = desired_deployment(), live_deployment()
    container(live)["image"] = "example/shop:hotfix"
    result = diff(
        desired, live, ignore=[IgnoreRule(managed_fields_managers=("kube-controller-manager",))]
    )
    assert [c.path for c in result.changes] == ["/spec/template/spec/containers/0/image"]
