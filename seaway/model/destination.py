"""Where an application deploys: a cluster (by API server URL or by name) and a namespace."""

from __future__ import annotations

from pydantic import model_validator

from seaway.model.base import ArgoModel, FieldProblem

# The cluster Seaway itself runs in, under the name and URL Argo CD gives it.
IN_CLUSTER_NAME = "in-cluster"
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"


class ApplicationDestination(ArgoModel):
    server: str = ""
    name: str = ""
    # Applied to namespaced objects that do not name a namespace themselves.
    namespace: str = ""

    @model_validator(mode="after")
    def _one_cluster(self) -> ApplicationDestination:
        if not self.server and not self.name:
            raise FieldProblem("either server or name is required")
        if self.server and self.name:
            raise FieldProblem(
                f"server ({self.server}) and name ({self.name}) are mutually exclusive; "
                "give one of them"
            )
        return self
