"""Where an application's manifests come from: a Git path or a Helm chart, and how to render it.

Field names are Argo CD's (ApplicationSource). Every field Argo CD has is declared, including the
ones Seaway does not act on yet; `unsupported_fields` names those when they are set.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from seaway.model.base import ArgoModel


class JsonnetVar(ArgoModel):
    name: str
    value: str
    code: bool = False


class ApplicationSourceJsonnet(ArgoModel):
    ext_vars: list[JsonnetVar] = Field(default_factory=list)
    tlas: list[JsonnetVar] = Field(default_factory=list)
    libs: list[str] = Field(default_factory=list)


class ApplicationSourceDirectory(ArgoModel):
    recurse: bool = False
    include: str = ""
    exclude: str = ""
    jsonnet: ApplicationSourceJsonnet | None = None


class HelmParameter(ArgoModel):
    name: str = ""
    value: str = ""
    force_string: bool = False


class HelmFileParameter(ArgoModel):
    name: str = ""
    path: str = ""


class ApplicationSourceHelm(ArgoModel):
    value_files: list[str] = Field(default_factory=list)
    values: str = ""
    # Argo CD gives valuesObject precedence over values when both are set.
    values_object: dict[str, Any] | None = None
    parameters: list[HelmParameter] = Field(default_factory=list)
    file_parameters: list[HelmFileParameter] = Field(default_factory=list)
    release_name: str = ""
    namespace: str = ""
    version: str = ""
    pass_credentials: bool = False
    ignore_missing_value_files: bool = False
    skip_crds: bool = False
    skip_tests: bool = False
    skip_schema_validation: bool = False
    kube_version: str = ""
    api_versions: list[str] = Field(default_factory=list)


class KustomizePatchTarget(ArgoModel):
    group: str = ""
    version: str = ""
    kind: str = ""
    name: str = ""
    namespace: str = ""
    label_selector: str = ""
    annotation_selector: str = ""


class KustomizePatch(ArgoModel):
    path: str = ""
    patch: str = ""
    target: KustomizePatchTarget | None = None
    options: dict[str, bool] = Field(default_factory=dict)


class KustomizeReplica(ArgoModel):
    name: str
    count: int | str


class ApplicationSourceKustomize(ArgoModel):
    name_prefix: str = ""
    name_suffix: str = ""
    images: list[str] = Field(default_factory=list)
    common_labels: dict[str, str] = Field(default_factory=dict)
    common_annotations: dict[str, str] = Field(default_factory=dict)
    common_annotations_envsubst: bool = False
    force_common_labels: bool = False
    force_common_annotations: bool = False
    label_without_selector: bool = False
    label_include_templates: bool = False
    namespace: str = ""
    version: str = ""
    components: list[str] = Field(default_factory=list)
    ignore_missing_components: bool = False
    patches: list[KustomizePatch] = Field(default_factory=list)
    replicas: list[KustomizeReplica] = Field(default_factory=list)
    kube_version: str = ""
    api_versions: list[str] = Field(default_factory=list)


class PluginEnv(ArgoModel):
    name: str
    value: str


class PluginParameter(ArgoModel):
    name: str = ""
    string: str | None = None
    array: list[str] | None = None
    map: dict[str, str] | None = None


class ApplicationSourcePlugin(ArgoModel):
    name: str = ""
    env: list[PluginEnv] = Field(default_factory=list)
    parameters: list[PluginParameter] = Field(default_factory=list)


class ApplicationSource(ArgoModel):
    repo_url: str = Field(alias="repoURL")
    # Empty means HEAD for Git; for a Helm repository it is the chart version and is required.
    target_revision: str = ""
    path: str = ""
    chart: str = ""
    # In a multi-source application, the name other sources use to read this one's files
    # ("$name/path" in helm.valueFiles).
    ref: str = ""
    name: str = ""
    directory: ApplicationSourceDirectory | None = None
    helm: ApplicationSourceHelm | None = None
    kustomize: ApplicationSourceKustomize | None = None
    plugin: ApplicationSourcePlugin | None = None

    @property
    def is_helm_chart(self) -> bool:
        """Whether this names a chart in a Helm repository rather than a path in Git."""
        return bool(self.chart)


_REF_REFERENCE = re.compile(r"^\$([^/]+)/")


def value_file_ref(value_file: str) -> str | None:
    """The source ref a Helm value file reads from ("$values/env/prod.yaml" -> "values")."""
    match = _REF_REFERENCE.match(value_file)
    return match.group(1) if match else None


def source_problems(source: ApplicationSource, *, multiple: bool) -> list[tuple[str, str]]:
    """Argo CD's checks on one source, as (field, message) pairs.

    A source in `sources` may be a ref-only source that just lends its files to the others;
    a single `source` has to render something, from a path or a chart.
    """
    problems: list[tuple[str, str]] = []
    if not source.repo_url:
        problems.append(("repoURL", "must not be empty"))
    if multiple:
        if not (source.path or source.chart or source.ref):
            problems.append(("path", "either path, chart or ref is required"))
    elif not (source.path or source.chart):
        problems.append(("path", "either path or chart is required (use '.' for the root)"))
    if source.chart and not source.target_revision:
        problems.append(("targetRevision", "the chart version is required for a Helm chart"))
    return problems
