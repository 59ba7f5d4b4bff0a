"""The CustomResourceDefinitions `seaway install crds` applies: Argo CD's and Argo Rollouts' kinds
under their group, so existing Application, AppProject, ApplicationSet, Rollout and analysis
manifests apply unchanged.

The schemas keep unknown fields: Seaway validates specs itself (seaway.model) and reports every
problem as a condition naming the field, which says more than an API server's rejection.
"""

from __future__ import annotations

from typing import Any

GROUP = "argoproj.io"
VERSION = "v1alpha1"
# The label that marks a definition as Seaway's own.
PART_OF = ("app.kubernetes.io/part-of", "seaway")


def _crd(
    kind: str,
    plural: str,
    short: list[str],
    columns: list[dict[str, Any]],
    *,
    scope: str = "Namespaced",
    subresources: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{plural}.{GROUP}",
            "labels": {PART_OF[0]: PART_OF[1]},
        },
        "spec": {
            "group": GROUP,
            "scope": scope,
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": plural,
                "singular": kind.lower(),
                "shortNames": short,
            },
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": subresources or {"status": {}},
                    "additionalPrinterColumns": columns,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "required": ["metadata", "spec"],
                            "properties": {
                                "apiVersion": {"type": "string"},
                                "kind": {"type": "string"},
                                "metadata": {"type": "object"},
                                "spec": {
                                    "type": "object",
                                    "x-kubernetes-preserve-unknown-fields": True,
                                },
                                "status": {
                                    "type": "object",
                                    "x-kubernetes-preserve-unknown-fields": True,
                                },
                                "operation": {
                                    "type": "object",
                                    "x-kubernetes-preserve-unknown-fields": True,
                                },
                            },
                        }
                    },
                }
            ],
        },
    }


def _column(name: str, path: str, priority: int = 0, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "type": kind, "jsonPath": path, "priority": priority}


_AGE = _column("Age", ".metadata.creationTimestamp", kind="date")


APPLICATION = _crd(
    "Application",
    "applications",
    ["app", "apps"],
    [
        _column("Sync Status", ".status.sync.status"),
        _column("Health Status", ".status.health.status"),
        _column("Revision", ".status.sync.revision", priority=10),
        _column("Project", ".spec.project", priority=10),
    ],
)
APP_PROJECT = _crd("AppProject", "appprojects", ["appproj", "appprojs"], [])
APPLICATION_SET = _crd("ApplicationSet", "applicationsets", ["appset", "appsets"], [])


ROLLOUT = _crd(
    "Rollout",
    "rollouts",
    ["ro"],
    [
        _column("Desired", ".spec.replicas", kind="integer"),
        _column("Current", ".status.replicas", kind="integer"),
        _column("Up-to-date", ".status.updatedReplicas", kind="integer"),
        _column("Available", ".status.availableReplicas", kind="integer"),
        _AGE,
    ],
    # As Argo Rollouts has it, so `kubectl scale` and HorizontalPodAutoscalers work.
    subresources={
        "status": {},
        "scale": {
            "specReplicasPath": ".spec.replicas",
            "statusReplicasPath": ".status.HPAReplicas",
            "labelSelectorPath": ".status.selector",
        },
    },
)
ANALYSIS_TEMPLATE = _crd("AnalysisTemplate", "analysistemplates", ["at"], [_AGE])
CLUSTER_ANALYSIS_TEMPLATE = _crd(
    "ClusterAnalysisTemplate", "clusteranalysistemplates", ["cat"], [_AGE], scope="Cluster"
)
ANALYSIS_RUN = _crd(
    "AnalysisRun", "analysisruns", ["ar"], [_column("Status", ".status.phase"), _AGE]
)

ARGO_CD = (APPLICATION, APP_PROJECT, APPLICATION_SET)
# Argo Rollouts' kinds: where Argo Rollouts installed them already, they are left as they are
# (Seaway runs Rollouts as a compatible controller and does not fight over their definitions).
ARGO_ROLLOUTS = (ROLLOUT, ANALYSIS_TEMPLATE, CLUSTER_ANALYSIS_TEMPLATE, ANALYSIS_RUN)
ALL = (*ARGO_CD, *ARGO_ROLLOUTS)
