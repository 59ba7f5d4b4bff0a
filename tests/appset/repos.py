"""An environment repo with `dev` and `prod` branches, made with the git CLI, and ApplicationSets
over it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.gitrepo import Upstream


def configmap(name: str, **data: str) -> str:
    return yaml.safe_dump(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
    )


def env_repo(path: Path) -> Upstream:
    """dev has apps web and api; prod has web only. Each app is one ConfigMap; each branch has
    an env.yaml the git files generator reads."""
    repo = Upstream(path)
    repo.commit({"README.md": "environments\n"}, "init")
    repo.commit(
        {
            "apps/web/cm.yaml": configmap("web", env="dev"),
            "apps/api/cm.yaml": configmap("api", env="dev"),
            "env.yaml": yaml.safe_dump({"region": "eu", "size": {"replicas": 1}}),
            ".github/workflows/ci.yaml": "on: push\n",
        },
        "dev apps",
        branch="dev",
    )
    repo.commit(
        {
            "apps/web/cm.yaml": configmap("web", env="prod"),
            "env.yaml": yaml.safe_dump({"region": "us", "size": {"replicas": 3}}),
        },
        "prod apps",
        branch="prod",
    )
    return repo


def envs_appset(
    repo_url: str,
    name: str = "envs",
    *,
    policy: str | None = None,
    preserve: bool = False,
    target_prefix: str = "t",
    namespace: str = "",
) -> dict[str, Any]:
    """One set over dev and prod: an app per folder under apps/ on each branch."""
    sync_policy: dict[str, Any] = {}
    if policy:
        sync_policy["applicationsSync"] = policy
    if preserve:
        sync_policy["preserveResourcesOnDeletion"] = True
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": metadata,
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [
                {
                    "matrix": {
                        "generators": [
                            {"list": {"elements": [{"env": "dev"}, {"env": "prod"}]}},
                            {
                                "git": {
                                    "repoURL": repo_url,
                                    "revision": "{{.env}}",
                                    "directories": [{"path": "apps/*"}],
                                }
                            },
                        ]
                    }
                }
            ],
            "template": {
                "metadata": {
                    "name": "{{.path.basename}}-{{.env}}",
                    "labels": {"env": "{{.env}}"},
                },
                "spec": {
                    "project": "default",
                    "source": {
                        "repoURL": repo_url,
                        "targetRevision": "{{.env}}",
                        "path": "{{.path.path}}",
                    },
                    "destination": {
                        "server": "https://kubernetes.default.svc",
                        "namespace": f"{target_prefix}-{{{{.env}}}}",
                    },
                    "syncPolicy": {
                        "automated": {"prune": True},
                        "syncOptions": ["CreateNamespace=true"],
                    },
                },
            },
            **({"syncPolicy": sync_policy} if sync_policy else {}),
        },
    }
