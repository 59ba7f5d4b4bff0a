"""`assess` itself: absence, kinds without health, deletion, malformed input, dispatch."""

from __future__ import annotations

from typing import Any

import pytest

from seaway.health import HealthResult, assess, has_health_check
from seaway.model.status import HealthStatus
from tests.health.shapes import DEPLOYMENT, POD, meta, vary


def test_absent_object_is_missing() -> None:
    assert assess(None) == HealthResult(HealthStatus.MISSING, "Resource does not exist")


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        ("v1", "ConfigMap"),
        ("v1", "Secret"),
        ("v1", "ServiceAccount"),
        ("rbac.authorization.k8s.io/v1", "Role"),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
        ("networking.k8s.io/v1", "NetworkPolicy"),
        ("policy/v1", "PodDisruptionBudget"),
    ],
)
def test_kinds_without_health(api_version: str, kind: str) -> None:
    obj = {"apiVersion": api_version, "kind": kind, "metadata": meta("x"), "data": {"a": "b"}}
    assert assess(obj) is None
    assert not has_health_check(api_version, kind)


def test_pdb_status_does_not_reach_the_generic_conventions() -> None:
    # A PDB has status.observedGeneration and conditions, but Argo CD gives it no health.
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": meta("web", generation=2),
        "spec": {"minAvailable": 1},
        "status": {"observedGeneration": 1, "currentHealthy": 0, "desiredHealthy": 1},
    }
    assert assess(pdb) is None


def test_kind_is_matched_with_its_group() -> None:
    # A Deployment of another API group is not apps/v1's Deployment: it gets the generic
    # conventions, which read its Available condition instead of the replica counts.
    rolling = vary(DEPLOYMENT, {"status": {"updatedReplicas": 1}})
    foreign = vary(rolling, {"apiVersion": "example.com/v1"})
    assert has_health_check("apps/v1", "Deployment")
    assert not has_health_check("example.com/v1", "Deployment")
    as_apps = assess(rolling)
    assert as_apps is not None
    assert as_apps.status is HealthStatus.PROGRESSING
    assert assess(foreign) == HealthResult(HealthStatus.HEALTHY)


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(vary(DEPLOYMENT, {"status": {"availableReplicas": 0}}), id="deployment"),
        pytest.param(vary(POD, {}), id="pod"),
        pytest.param({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("c")}, id="cm"),
    ],
)
def test_deleting_object_is_progressing(obj: dict[str, Any]) -> None:
    deleting = vary(obj, {"metadata": {"deletionTimestamp": "2025-03-01T12:00:00Z"}})
    assert assess(deleting) == HealthResult(HealthStatus.PROGRESSING, "Pending deletion")


def test_deletion_names_the_finalizers_it_waits_for() -> None:
    deleting = vary(
        DEPLOYMENT,
        {
            "metadata": {
                "deletionTimestamp": "2025-03-01T12:00:00Z",
                "finalizers": ["example.com/cleanup", "foregroundDeletion"],
            }
        },
    )
    result = assess(deleting)
    assert result is not None
    assert result.status is HealthStatus.PROGRESSING
    assert "example.com/cleanup, foregroundDeletion" in result.message


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"status": "broken"}, "field status: expected an object"),
        ({"status": {"conditions": {"type": "Available"}}}, "status.conditions: expected a list"),
        ({"status": {"conditions": ["Available"]}}, "status.conditions.0: expected an object"),
        ({"status": {"conditions": [{"status": "True"}]}}, "status.conditions.0.type"),
        ({"spec": {"paused": "yes"}}, "spec.paused: expected true or false"),
        ({"metadata": {"generation": True}}, "metadata.generation: expected an integer"),
    ],
)
def test_malformed_fields_give_unknown_naming_the_field(patch: dict[str, Any], field: str) -> None:
    result = assess(vary(DEPLOYMENT, patch))
    assert result is not None
    assert result.status is HealthStatus.UNKNOWN
    assert field in result.message


def test_object_without_kind_is_unknown() -> None:
    result = assess({"metadata": {"name": "x"}})
    assert result == HealthResult(HealthStatus.UNKNOWN, "Object has no kind")


def test_assess_does_not_change_its_input() -> None:
    obj = vary(DEPLOYMENT, {"status": {"updatedReplicas": 1}})
    before = vary(obj, {})
    assess(obj)
    assert obj == before


def test_result_is_frozen() -> None:
    result = HealthResult(HealthStatus.HEALTHY)
    with pytest.raises(AttributeError):
        result.status = HealthStatus.DEGRADED  # type: ignore[misc]
