"""`seaway install crds` on the real API server: Argo Rollouts' kinds served as Argo Rollouts
serves them, and Argo Rollouts' own definitions left alone where they are installed."""

from __future__ import annotations

import pytest

from seaway.controller.crds import ARGO_ROLLOUTS, PART_OF
from seaway.controller.install import install
from tests.rollout.kubernetes.conftest import ROLLOUT_API, Cluster, rollout

pytestmark = [pytest.mark.kube, pytest.mark.anyio]

CRD_API = "apiextensions.k8s.io/v1"


async def test_rollout_kinds_are_served_with_argo_names_and_subresources(cluster: Cluster) -> None:
    done = await install(cluster.rest)
    assert {
        "rollouts.argoproj.io",
        "analysistemplates.argoproj.io",
        "clusteranalysistemplates.argoproj.io",
        "analysisruns.argoproj.io",
        "applications.argoproj.io",
    } <= set(done.applied)
    assert done.kept == []

    resources = await cluster.rest.resources(ROLLOUT_API)
    assert resources["Rollout"].plural == "rollouts"
    assert resources["Rollout"].namespaced
    assert not resources["ClusterAnalysisTemplate"].namespaced
    listing = await cluster.rest.request("GET", f"/apis/{ROLLOUT_API}")
    names = {r["name"]: r for r in listing["resources"]}
    assert {"rollouts/status", "rollouts/scale", "analysisruns/status"} <= set(names)
    assert names["rollouts"]["shortNames"] == ["ro"]
    assert names["analysistemplates"]["shortNames"] == ["at"]
    assert names["clusteranalysistemplates"]["shortNames"] == ["cat"]
    assert names["analysisruns"]["shortNames"] == ["ar"]

    crd = await cluster.rest.get(CRD_API, "CustomResourceDefinition", "rollouts.argoproj.io")
    assert crd is not None
    columns = [c["name"] for c in crd["spec"]["versions"][0]["additionalPrinterColumns"]]
    assert columns == ["Desired", "Current", "Up-to-date", "Available", "Age"]

    # The scale subresource answers from spec.replicas, as `kubectl scale` expects.
    await cluster.create(rollout({"canary": {}}, replicas=3))
    scale = await cluster.rest.request(
        "GET", f"/apis/{ROLLOUT_API}/namespaces/{cluster.namespace}/rollouts/web/scale"
    )
    assert scale["kind"] == "Scale"
    assert scale["spec"]["replicas"] == 3


async def test_argo_rollouts_own_definitions_are_kept(cluster: Cluster) -> None:
    """Argo Rollouts' installer is played by a write as another field manager that relabels
    the definition (the test cannot run Argo Rollouts' installer itself)."""
    name = "analysisruns.argoproj.io"
    theirs = {
        "apiVersion": CRD_API,
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": name,
            "labels": {PART_OF[0]: "argo-rollouts"},
            "annotations": {"example.com/installed-by": "argo-rollouts"},
        },
    }
    await cluster.rest.apply(theirs, field_manager="argo-rollouts-installer")
    try:
        done = await install(cluster.rest)
        assert done.kept == [name]
        assert name not in done.applied
        live = await cluster.rest.get(CRD_API, "CustomResourceDefinition", name)
        assert live is not None
        assert live["metadata"]["labels"][PART_OF[0]] == "argo-rollouts"
        assert live["metadata"]["annotations"]["example.com/installed-by"] == "argo-rollouts"
        managers = {m["manager"] for m in live["metadata"]["managedFields"]}
        assert "argo-rollouts-installer" in managers
    finally:
        ours = next(crd for crd in ARGO_ROLLOUTS if crd["metadata"]["name"] == name)
        await cluster.rest.apply(ours)
