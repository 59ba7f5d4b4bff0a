"""The Application: one set of manifests from Git, kept in sync with one destination.

Argo CD's `argoproj.io/v1alpha1` Application, field for field, so Argo CD manifests load as they
are. Checks that Argo CD makes when it admits an Application are made here, at load time.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Final, Literal

from pydantic import Field, field_validator, model_validator

from seaway.model.base import ArgoModel, FieldProblem, Info, ObjectMeta, name_problem
from seaway.model.destination import ApplicationDestination
from seaway.model.ignore_differences import ResourceIgnoreDifferences
from seaway.model.source import ApplicationSource, source_problems, value_file_ref
from seaway.model.status import ApplicationStatus, Operation
from seaway.model.sync_policy import SyncPolicy

API_GROUP = "argoproj.io"
API_VERSION: Final = "argoproj.io/v1alpha1"
DEFAULT_PROJECT_NAME = "default"
# Argo CD keeps this many entries of sync history when the spec does not say.
DEFAULT_REVISION_HISTORY_LIMIT = 10


class ApplicationSpec(ArgoModel):
    # Required, as in Argo CD's schema; the empty string means the "default" project.
    project: str
    source: ApplicationSource | None = None
    sources: list[ApplicationSource] = Field(default_factory=list)
    # Kept as written: Seaway does not hydrate sources, and reports the field as unsupported.
    source_hydrator: dict[str, Any] | None = None
    destination: ApplicationDestination
    sync_policy: SyncPolicy | None = None
    ignore_differences: list[ResourceIgnoreDifferences] = Field(default_factory=list)
    info: list[Info] = Field(default_factory=list)
    revision_history_limit: int | None = None

    @model_validator(mode="after")
    def _check(self) -> ApplicationSpec:
        if self.source is not None and self.sources:
            # Argo CD quietly uses `sources` and ignores `source`; saying so beats guessing.
            raise FieldProblem("source and sources are mutually exclusive; keep one")
        if self.source is None and not self.sources and self.source_hydrator is None:
            raise FieldProblem("either source or sources is required")
        if self.source is not None:
            for field, message in source_problems(self.source, multiple=False):
                raise FieldProblem(message, "source", field)
        for index, source in enumerate(self.sources):
            for field, message in source_problems(source, multiple=True):
                raise FieldProblem(message, "sources", index, field)
        self._check_refs()
        if self.revision_history_limit is not None and self.revision_history_limit < 0:
            raise FieldProblem(
                f"must be 0 or more, got {self.revision_history_limit}", "revisionHistoryLimit"
            )
        return self

    def _check_refs(self) -> None:
        counts = Counter(source.ref for source in self.sources if source.ref)
        for index, source in enumerate(self.sources):
            if source.ref and counts[source.ref] > 1:
                raise FieldProblem(
                    f"ref {source.ref!r} is used by more than one source", "sources", index, "ref"
                )
        for index, source in enumerate(self.sources):
            if source.helm is None:
                continue
            for file_index, value_file in enumerate(source.helm.value_files):
                ref = value_file_ref(value_file)
                if ref is not None and ref not in counts:
                    raise FieldProblem(
                        f"{value_file!r} reads from ${ref}, but no source has ref {ref!r}",
                        "sources",
                        index,
                        "helm",
                        "valueFiles",
                        file_index,
                    )

    @property
    def project_name(self) -> str:
        return self.project or DEFAULT_PROJECT_NAME

    @property
    def has_multiple_sources(self) -> bool:
        return bool(self.sources)

    def all_sources(self) -> list[ApplicationSource]:
        """The sources to render, whether given as `source` or as `sources`."""
        if self.sources:
            return list(self.sources)
        return [self.source] if self.source is not None else []

    @property
    def history_limit(self) -> int:
        if self.revision_history_limit is None:
            return DEFAULT_REVISION_HISTORY_LIMIT
        return self.revision_history_limit


class Application(ArgoModel):
    api_version: Literal["argoproj.io/v1alpha1"] = API_VERSION
    kind: Literal["Application"] = "Application"
    metadata: ObjectMeta
    spec: ApplicationSpec
    status: ApplicationStatus | None = None
    # Argo CD's way to ask for a sync by writing the object; read, not acted on.
    operation: Operation | None = None

    # A field validator rather than a model one, so a bad name is reported even when the
    # spec has problems of its own.
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
    def namespace(self) -> str:
        return self.metadata.namespace

    def to_dict(self) -> dict[str, Any]:
        # apiVersion and kind have defaults and so may be "unset"; a manifest needs them.
        return {"apiVersion": self.api_version, "kind": self.kind, **super().to_dict()}
