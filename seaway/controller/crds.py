"""The CustomResourceDefinitions `seaway install crds` applies: Argo CD's kinds under Argo CD's
group, so existing Application, AppProject and ApplicationSet manifests apply unchanged.

The schemas keep unknown fields: Seaway validates specs itself (seaway.model) and reports every
problem as a condition naming the field, which says more than an API server's rejection.
"""

from __future__ import annotations

from typing import Any

GROUP = "argoproj.io"
VERSION = "v1alpha1"


def _crd(kind: str, plural: str, short: list[str], columns: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{plural}.{GROUP}",
            "labels": {"app.kubernetes.io/part-of": "seaway"},
        },
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
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
                    "subresources": {"status": {}},
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


def _column(name: str, path: str, priority: int = 0) -> dict[str, Any]:
    return {"name": name, "type": "string", "jsonPath": path, "priority": priority}


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

ALL = (APPLICATION, APP_PROJECT, APPLICATION_SET)
