"""The stage pipeline: the ordered environments a release moves through, declared in the
environment repo as Seaway's own `seaway.dev/v1alpha1` Pipeline.

    apiVersion: seaway.dev/v1alpha1
    kind: Pipeline
    metadata: {name: web}
    spec:
      stages:
        - {name: dev, apps: [web-dev], branch: dev, path: web}
        - name: prod
          apps: [web-prod]
          branch: prod
          path: web
          promotion: manual          # auto: as soon as the gate below passes
          soak: 30m                  # how long dev must have run the release Healthy
          checks: {healthy: true, analysis: true, attestationPolicy: prod}
          approvals: {count: 2, roles: ["role:admin", "role:deployer:shop"]}

Everything about entering a stage sits on that stage: how (promotion), after how long (soak),
after which checks of the stage before, and with whose approval. The first stage is where CI
writes (`seaway image set`); its promotion fields are not used.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from seaway.model.base import ArgoModel, FieldProblem, ObjectMeta, name_problem
from seaway.model.durations import parse_go_duration

PIPELINE_API_VERSION: Literal["seaway.dev/v1alpha1"] = "seaway.dev/v1alpha1"
DEFAULT_BRANCH = "main"
_STAGE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_ROLE = re.compile(r"^role:[A-Za-z0-9][-_:A-Za-z0-9.]*$")


class Promotion(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"


class StageChecks(ArgoModel):
    """What the stage before must show before a release moves on into this stage."""

    # Healthy, and Synced at the revision that holds the release.
    healthy: bool = True
    # Every Rollout of the stage's apps Healthy, its analysis passed, not aborted.
    analysis: bool = True
    # The name of an attestation policy the release's images must satisfy.
    attestation_policy: str = ""


class ApprovalPolicy(ArgoModel):
    count: int = 1
    # An approver must hold one of these roles (policy.csv); empty means anyone who may approve.
    roles: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> ApprovalPolicy:
        if self.count < 1:
            raise FieldProblem(f"must be at least 1, not {self.count}", "count")
        for index, role in enumerate(self.roles):
            if not _ROLE.match(role):
                raise FieldProblem(
                    f"{role!r} is not a role (role:NAME, such as role:admin or "
                    "role:deployer:PROJECT)",
                    "roles",
                    index,
                )
        return self


class PullRequestProvider(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"


class PullRequestSettings(ArgoModel):
    """Open a pull (merge) request instead of pushing to the stage's branch. The token comes
    from the environment (SEAWAY_PR_TOKEN), never from the repo."""

    provider: PullRequestProvider
    # https://api.github.com, or https://gitlab.example/api/v4
    api_url: str = Field(alias="apiURL")
    # owner/name on GitHub; the project path or numeric id on GitLab.
    repository: str


class Stage(ArgoModel):
    name: str
    # The Applications that deploy this stage (one per cluster or region, say).
    apps: list[str] = Field(default_factory=list)
    branch: str = ""
    path: str = "."
    promotion: Promotion = Promotion.MANUAL
    soak: str = ""
    checks: StageChecks = Field(default_factory=StageChecks)
    approvals: ApprovalPolicy | None = None
    # Config files (relative to path) that travel with the images, copied as they are.
    files: list[str] = Field(default_factory=list)
    # The images that make the release (names); empty means every image the stage sets.
    images: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Stage:
        if not _STAGE_NAME.match(self.name):
            raise FieldProblem(
                f"stage name {self.name!r} may hold only lowercase letters, digits and '-'",
                "name",
            )
        if not self.apps:
            raise FieldProblem("a stage names the Applications that deploy it", "apps")
        if self.soak:
            try:
                length = parse_go_duration(self.soak)
            except ValueError as error:
                raise FieldProblem(str(error), "soak") from None
            if length.total_seconds() < 0:
                raise FieldProblem(f"{self.soak!r} is negative", "soak")
        for index, file in enumerate(self.files):
            normal = posixpath.normpath(file)
            if file.startswith("/") or normal == ".." or normal.startswith("../"):
                raise FieldProblem(f"{file!r} must stay inside the stage's path", "files", index)
        if self.path.startswith("/") or posixpath.normpath(self.path).startswith(".."):
            raise FieldProblem(f"{self.path!r} must be a folder inside the repo", "path")
        return self

    @property
    def folder(self) -> str:
        return posixpath.normpath(self.path.strip("/") or ".")

    def soak_seconds(self) -> float:
        return parse_go_duration(self.soak).total_seconds() if self.soak else 0.0


class PipelineSpec(ArgoModel):
    # The environment repo; empty means the repo this file is read from.
    repo_url: str = Field(default="", alias="repoURL")
    # The branch of stages that name none (a folders layout keeps every stage on one branch).
    branch: str = DEFAULT_BRANCH
    stages: list[Stage]
    pull_request: PullRequestSettings | None = None

    @model_validator(mode="after")
    def _check(self) -> PipelineSpec:
        if len(self.stages) < 2:
            raise FieldProblem("a pipeline needs at least two stages", "stages")
        names = Counter(stage.name for stage in self.stages)
        places = Counter(self.place(stage) for stage in self.stages)
        for index, stage in enumerate(self.stages):
            if names[stage.name] > 1:
                raise FieldProblem(f"stage {stage.name!r} appears twice", "stages", index, "name")
            if places[self.place(stage)] > 1:
                raise FieldProblem(
                    f"stage {stage.name!r} shares branch {self.branch_of(stage)} and path "
                    f"{stage.folder} with another stage",
                    "stages",
                    index,
                    "path",
                )
        return self

    def branch_of(self, stage: Stage) -> str:
        return stage.branch or self.branch

    def place(self, stage: Stage) -> tuple[str, str]:
        return (self.branch_of(stage), stage.folder)


class Pipeline(ArgoModel):
    api_version: Literal["seaway.dev/v1alpha1"] = PIPELINE_API_VERSION
    kind: Literal["Pipeline"] = "Pipeline"
    metadata: ObjectMeta
    spec: PipelineSpec

    @field_validator("metadata")
    @classmethod
    def _check_name(cls, metadata: ObjectMeta) -> ObjectMeta:
        problem = name_problem(metadata.name)
        if problem is not None:
            raise FieldProblem(problem, "name")
        return metadata

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def stages(self) -> list[Stage]:
        return self.spec.stages

    def stage(self, name: str) -> Stage | None:
        return next((s for s in self.spec.stages if s.name == name), None)

    def before(self, name: str) -> Stage | None:
        """The stage a release comes from on its way into `name`."""
        names = [s.name for s in self.spec.stages]
        index = names.index(name) if name in names else 0
        return self.spec.stages[index - 1] if index > 0 else None

    def after(self, name: str) -> Stage | None:
        names = [s.name for s in self.spec.stages]
        index = names.index(name) if name in names else len(names)
        return self.spec.stages[index + 1] if index + 1 < len(names) else None

    def stage_of_app(self, app: str) -> Stage | None:
        return next((s for s in self.spec.stages if app in s.apps), None)

    def to_dict(self) -> dict[str, Any]:
        return {"apiVersion": self.api_version, "kind": self.kind, **super().to_dict()}


PIPELINE_KINDS = {"Pipeline": Pipeline}
