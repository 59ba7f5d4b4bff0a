"""Objects shaped as Git renders them and as the API server returns them (a Deployment read
back from the test control plane after `seaway` applied it, plus what the controller adds)."""

from __future__ import annotations

import copy
from typing import Any

_DESIRED: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "shop", "namespace": "shop", "labels": {"app": "shop", "tier": "web"}},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "shop"}},
        "template": {
            "metadata": {"labels": {"app": "shop", "tier": "web"}},
            "spec": {
                "containers": [
                    {
                        "name": "shop",
                        "image": "example/shop:1.4.2",
                        "ports": [{"containerPort": 8080, "name": "http"}],
                        "env": [
                            {"name": "MODE", "value": "production"},
                            {"name": "WORKERS", "value": "4"},
                        ],
                        "resources": {
                            "requests": {"cpu": "0.5", "memory": "256Mi"},
                            "limits": {"cpu": 1, "memory": "1Gi"},
                        },
                        "volumeMounts": [{"name": "config", "mountPath": "/etc/shop"}],
                    }
                ],
                "volumes": [{"name": "config", "configMap": {"name": "shop"}}],
            },
        },
    },
}

_SEAWAY_FIELDS: dict[str, Any] = {
    "f:metadata": {"f:labels": {"f:app": {}, "f:tier": {}}},
    "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
            "f:metadata": {"f:labels": {"f:app": {}, "f:tier": {}}},
            "f:spec": {
                "f:containers": {
                    'k:{"name":"shop"}': {
                        ".": {},
                        "f:env": {
                            'k:{"name":"MODE"}': {".": {}, "f:name": {}, "f:value": {}},
                            'k:{"name":"WORKERS"}': {".": {}, "f:name": {}, "f:value": {}},
                        },
                        "f:image": {},
                        "f:name": {},
                        "f:ports": {
                            'k:{"containerPort":8080,"protocol":"TCP"}': {
                                ".": {},
                                "f:containerPort": {},
                                "f:name": {},
                            }
                        },
                        "f:resources": {
                            "f:limits": {"f:cpu": {}, "f:memory": {}},
                            "f:requests": {"f:cpu": {}, "f:memory": {}},
                        },
                        "f:volumeMounts": {
                            'k:{"mountPath":"/etc/shop"}': {
                                ".": {},
                                "f:mountPath": {},
                                "f:name": {},
                            }
                        },
                    }
                },
                "f:volumes": {
                    'k:{"name":"config"}': {".": {}, "f:configMap": {"f:name": {}}, "f:name": {}}
                },
            },
        },
    },
}

_LIVE: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "shop",
        "namespace": "shop",
        "uid": "7f135114-f7f8-47a8-824b-d56630660f7a",
        "resourceVersion": "226",
        "generation": 1,
        "creationTimestamp": "2026-11-28T15:49:13Z",
        "labels": {"app": "shop", "tier": "web"},
        "annotations": {
            "deployment.kubernetes.io/revision": "1",
            "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Deployment"}',
        },
        "managedFields": [
            {
                "apiVersion": "apps/v1",
                "fieldsType": "FieldsV1",
                "fieldsV1": _SEAWAY_FIELDS,
                "manager": "seaway",
                "operation": "Apply",
                "time": "2026-11-28T15:49:13Z",
            },
            {
                "apiVersion": "apps/v1",
                "fieldsType": "FieldsV1",
                "fieldsV1": {
                    "f:metadata": {
                        "f:annotations": {".": {}, "f:deployment.kubernetes.io/revision": {}}
                    }
                },
                "manager": "kube-controller-manager",
                "operation": "Update",
                "time": "2026-11-28T15:49:13Z",
            },
            {
                "apiVersion": "apps/v1",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:status": {"f:replicas": {}, "f:readyReplicas": {}}},
                "manager": "kube-controller-manager",
                "operation": "Update",
                "subresource": "status",
                "time": "2026-11-28T15:49:13Z",
            },
        ],
    },
    "spec": {
        "progressDeadlineSeconds": 600,
        "replicas": 2,
        "revisionHistoryLimit": 10,
        "selector": {"matchLabels": {"app": "shop"}},
        "strategy": {
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            "type": "RollingUpdate",
        },
        "template": {
            "metadata": {"labels": {"app": "shop", "tier": "web"}},
            "spec": {
                "containers": [
                    {
                        "name": "shop",
                        "env": [
                            {"name": "MODE", "value": "production"},
                            {"name": "WORKERS", "value": "4"},
                        ],
                        "image": "example/shop:1.4.2",
                        "imagePullPolicy": "IfNotPresent",
                        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                        "resources": {
                            "limits": {"cpu": "1", "memory": "1Gi"},
                            "requests": {"cpu": "500m", "memory": "256Mi"},
                        },
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File",
                        "volumeMounts": [{"mountPath": "/etc/shop", "name": "config"}],
                    }
                ],
                "dnsPolicy": "ClusterFirst",
                "restartPolicy": "Always",
                "schedulerName": "default-scheduler",
                "securityContext": {},
                "terminationGracePeriodSeconds": 30,
                "volumes": [{"name": "config", "configMap": {"defaultMode": 420, "name": "shop"}}],
            },
        },
    },
    "status": {
        "availableReplicas": 2,
        "observedGeneration": 1,
        "readyReplicas": 2,
        "replicas": 2,
        "conditions": [{"type": "Available", "status": "True"}],
    },
}


def desired_deployment() -> dict[str, Any]:
    return copy.deepcopy(_DESIRED)


def live_deployment() -> dict[str, Any]:
    return copy.deepcopy(_LIVE)


def container(obj: dict[str, Any]) -> dict[str, Any]:
    first: dict[str, Any] = obj["spec"]["template"]["spec"]["containers"][0]
    return first


def seaway_fields(obj: dict[str, Any]) -> dict[str, Any]:
    for entry in obj["metadata"]["managedFields"]:
        if entry["manager"] == "seaway":
            fields: dict[str, Any] = entry["fieldsV1"]
            return fields
    raise AssertionError("no seaway entry")


def managed_entry(manager: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
        "manager": manager,
        "operation": "Update",
        "time": "2026-11-28T16:00:00Z",
    }
