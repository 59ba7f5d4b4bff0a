"""The ApplicationSet: one template and generators of parameters, making many Applications.

Argo CD's `argoproj.io/v1alpha1` ApplicationSet, field for field. Generators Seaway runs: list,
clusters, git (directories and files), matrix and merge. Argo CD's other generators
(scmProvider, pullRequest, clusterDecisionResource, plugin) load, and `appset_unsupported`
names them, so a set that uses them is reported rather than silently making fewer apps.

The template is kept as written (a mapping), not as an Application: before rendering, its
strings hold `{{...}}` that need not be valid where they stand (a name, a number).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from seaway.model.application import API_VERSION
from seaway.model.base import ArgoModel, FieldProblem, ObjectMeta, name_problem

# Argo CD's label selector, as generators' `selector` and the clusters generator use it.
SELECTOR_OPERATORS = frozenset({"In", "NotIn", "Exists", "DoesNotExist"})


class LabelSelectorRequirement(ArgoModel):
    key: str
    operator: str
    values: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> LabelSelectorRequirement:
        if self.operator not in SELECTOR_OPERATORS:
            raise FieldProblem(
                f"{self.operator!r} is not an operator (In, NotIn, Exists, DoesNotExist)",
                "operator",
            )
        if self.operator in ("In", "NotIn") and not self.values:
            raise FieldProblem(f"{self.operator} needs at least one value", "values")
        return self


class LabelSelector(ArgoModel):
    match_labels: dict[str, str] = Field(default_factory=dict)
    match_expressions: list[LabelSelectorRequirement] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.match_labels and not self.match_expressions


class TemplateMeta(ArgoModel):
    """An Application template's metadata: only these fields are rendered onto the apps."""

    name: str = ""
    namespace: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    finalizers: list[str] = Field(default_factory=list)


class ApplicationTemplate(ArgoModel):
    metadata: TemplateMeta = Field(default_factory=TemplateMeta)
    # The Application spec with its `{{...}}` still in place; validated once rendered.
    spec: dict[str, Any] = Field(default_factory=dict)


class ListGenerator(ArgoModel):
    elements: list[dict[str, Any]] = Field(default_factory=list)
    # Argo CD's way to give elements as a templated JSON or YAML text.
    elements_yaml: str = ""
    template: ApplicationTemplate | None = None


class ClusterGenerator(ArgoModel):
    selector: LabelSelector = Field(default_factory=LabelSelector)
    values: dict[str, str] = Field(default_factory=dict)
    template: ApplicationTemplate | None = None


class GitDirectory(ArgoModel):
    path: str
    exclude: bool = False


class GitFile(ArgoModel):
    path: str
    exclude: bool = False


class GitGenerator(ArgoModel):
    repo_url: str = Field(alias="repoURL")
    revision: str = ""
    directories: list[GitDirectory] = Field(default_factory=list)
    files: list[GitFile] = Field(default_factory=list)
    path_param_prefix: str = ""
    values: dict[str, str] = Field(default_factory=dict)
    template: ApplicationTemplate | None = None
    # Seaway reads Git with the cache's own credentials; Argo CD's per-repo lookup is not read.
    requeue_after_seconds: int | None = None

    @model_validator(mode="after")
    def _check(self) -> GitGenerator:
        if bool(self.directories) == bool(self.files):
            raise FieldProblem("give either directories or files (one of them)")
        return self


class Generator(ArgoModel):
    """One generator: exactly one of its kinds, and an optional post-selector."""

    list: ListGenerator | None = None
    clusters: ClusterGenerator | None = None
    git: GitGenerator | None = None
    matrix: MatrixGenerator | None = None
    merge: MergeGenerator | None = None
    # Argo CD's generators Seaway does not run: kept so they are reported, not dropped.
    scm_provider: dict[str, Any] | None = None
    pull_request: dict[str, Any] | None = None
    cluster_decision_resource: dict[str, Any] | None = None
    plugin: dict[str, Any] | None = None
    selector: LabelSelector | None = None

    @model_validator(mode="after")
    def _check(self) -> Generator:
        given = [name for name in GENERATOR_KINDS if getattr(self, name) is not None]
        if not given:
            raise FieldProblem(f"name one generator ({', '.join(GENERATOR_ALIASES.values())})")
        if len(given) > 1:
            shown = ", ".join(GENERATOR_ALIASES[name] for name in given)
            raise FieldProblem(f"one generator per entry, got {shown}")
        return self

    @property
    def kind(self) -> str:
        """Argo CD's name of the generator kind given (e.g. "git", "scmProvider")."""
        for name in GENERATOR_KINDS:
            if getattr(self, name) is not None:
                return GENERATOR_ALIASES[name]
        return ""


class MatrixGenerator(ArgoModel):
    generators: list[Generator]
    template: ApplicationTemplate | None = None

    @field_validator("generators")
    @classmethod
    def _two(cls, generators: list[Generator]) -> list[Generator]:
        if len(generators) != 2:
            raise ValueError(f"a matrix combines exactly 2 generators, got {len(generators)}")
        return generators


class MergeGenerator(ArgoModel):
    merge_keys: list[str]
    generators: list[Generator]
    template: ApplicationTemplate | None = None

    @model_validator(mode="after")
    def _check(self) -> MergeGenerator:
        if not self.merge_keys:
            raise FieldProblem("at least one merge key is required", "mergeKeys")
        if len(self.generators) < 2:
            raise FieldProblem("a merge needs at least 2 generators", "generators")
        return self


GENERATOR_ALIASES: Mapping[str, str] = {
    "list": "list",
    "clusters": "clusters",
    "git": "git",
    "matrix": "matrix",
    "merge": "merge",
    "scm_provider": "scmProvider",
    "pull_request": "pullRequest",
    "cluster_decision_resource": "clusterDecisionResource",
    "plugin": "plugin",
}
GENERATOR_KINDS = tuple(GENERATOR_ALIASES)
UNSUPPORTED_GENERATORS = frozenset(
    {"scmProvider", "pullRequest", "clusterDecisionResource", "plugin"}
)


class ApplicationsSync(StrEnum):
    """Argo CD's policy for what the set may do to the apps it made."""

    CREATE_ONLY = "create-only"
    CREATE_UPDATE = "create-update"
    CREATE_DELETE = "create-delete"
    SYNC = "sync"

    @property
    def updates(self) -> bool:
        return self in (ApplicationsSync.CREATE_UPDATE, ApplicationsSync.SYNC)

    @property
    def deletes(self) -> bool:
        return self in (ApplicationsSync.CREATE_DELETE, ApplicationsSync.SYNC)


class AppSetSyncPolicy(ArgoModel):
    preserve_resources_on_deletion: bool = False
    applications_sync: ApplicationsSync | None = None


class GoTemplateOption(StrEnum):
    MISSING_KEY_ERROR = "missingkey=error"
    MISSING_KEY_ZERO = "missingkey=zero"
    MISSING_KEY_DEFAULT = "missingkey=default"
    MISSING_KEY_INVALID = "missingkey=invalid"


class ApplicationSetSpec(ArgoModel):
    generators: list[Generator]
    template: ApplicationTemplate
    go_template: bool = False
    go_template_options: list[GoTemplateOption] = Field(default_factory=list)
    sync_policy: AppSetSyncPolicy | None = None
    # A Go template that renders to YAML, merged over each rendered app (JSON merge patch).
    template_patch: str = ""
    # Read so they are reported: Seaway does not act on them.
    strategy: dict[str, Any] | None = None
    ignore_application_differences: list[dict[str, Any]] = Field(default_factory=list)
    preserved_fields: dict[str, Any] | None = None

    @property
    def policy(self) -> ApplicationsSync:
        if self.sync_policy is None or self.sync_policy.applications_sync is None:
            return ApplicationsSync.SYNC
        return self.sync_policy.applications_sync

    @property
    def preserve_resources(self) -> bool:
        return self.sync_policy is not None and self.sync_policy.preserve_resources_on_deletion


class ApplicationSet(ArgoModel):
    api_version: Literal["argoproj.io/v1alpha1"] = API_VERSION
    kind: Literal["ApplicationSet"] = "ApplicationSet"
    metadata: ObjectMeta
    spec: ApplicationSetSpec
    status: dict[str, Any] | None = None

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

    def to_dict(self) -> dict[str, Any]:
        return {"apiVersion": self.api_version, "kind": self.kind, **super().to_dict()}


@dataclass(frozen=True)
class AppSetUnsupported:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def _generator_problems(generators: list[Generator], path: str) -> list[AppSetUnsupported]:
    found: list[AppSetUnsupported] = []
    for index, generator in enumerate(generators):
        here = f"{path}[{index}]"
        if generator.kind in UNSUPPORTED_GENERATORS:
            found.append(
                AppSetUnsupported(
                    f"{here}.{generator.kind}", f"the {generator.kind} generator is not supported"
                )
            )
        if generator.matrix is not None:
            found.extend(_generator_problems(generator.matrix.generators, f"{here}.matrix"))
        if generator.merge is not None:
            found.extend(_generator_problems(generator.merge.generators, f"{here}.merge"))
    return found


def appset_unsupported(appset: ApplicationSet) -> list[AppSetUnsupported]:
    """What of `appset` Seaway does not act on; a set with any of these is not rendered, so it
    never makes a partial set of apps."""
    spec = appset.spec
    found = _generator_problems(spec.generators, "spec.generators")
    if spec.template_patch and not spec.go_template:
        found.append(AppSetUnsupported("spec.templatePatch", "a template patch needs goTemplate"))
    if spec.strategy is not None and spec.strategy.get("type", "AllAtOnce") != "AllAtOnce":
        found.append(
            AppSetUnsupported("spec.strategy", "progressive syncs (RollingSync) are not supported")
        )
    if spec.ignore_application_differences:
        found.append(
            AppSetUnsupported(
                "spec.ignoreApplicationDifferences", "ignoring app differences is not supported"
            )
        )
    if spec.preserved_fields is not None:
        found.append(
            AppSetUnsupported("spec.preservedFields", "preserved fields are not supported")
        )
    options = set(spec.go_template_options)
    if options - {GoTemplateOption.MISSING_KEY_ERROR, GoTemplateOption.MISSING_KEY_DEFAULT}:
        found.append(
            AppSetUnsupported(
                "spec.goTemplateOptions", "only missingkey=error and missingkey=default are run"
            )
        )
    return found


Generator.model_rebuild()
MatrixGenerator.model_rebuild()
MergeGenerator.model_rebuild()


APPSET_KINDS: Mapping[str, type[ApplicationSet]] = {"ApplicationSet": ApplicationSet}
