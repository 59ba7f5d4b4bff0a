"""How to render a source: plain frozen dataclasses mirroring Argo CD's Application source fields.

Each has `from_argo`, which takes the camelCase dict an Argo CD Application holds under
`spec.source.directory`, `.kustomize` or `.helm`, so the model package can build them as is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from seaway.source.errors import RenderError


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RenderError(f"{where} must be a list of strings, not {type(value).__name__}")


def _string_map(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    raise RenderError(f"{where} must be a map of strings, not {type(value).__name__}")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RenderError(f"{where} must be a map, not {type(value).__name__}")
    return value


@dataclass(frozen=True)
class DirectoryOptions:
    """A folder of YAML/JSON manifests (Argo CD `directory`)."""

    recurse: bool = False
    # Glob patterns in Argo CD's syntax ('*.yaml', '{a.yaml,b.yaml}'), matched against the path
    # of each file relative to the source path.
    include: str = ""
    exclude: str = ""

    @classmethod
    def from_argo(cls, data: Mapping[str, Any] | None) -> DirectoryOptions:
        data = _mapping(data, "directory")
        return cls(
            recurse=bool(data.get("recurse", False)),
            include=str(data.get("include") or ""),
            exclude=str(data.get("exclude") or ""),
        )


@dataclass(frozen=True)
class KustomizeOptions:
    """Overrides applied to a copy of the kustomization before building it (Argo CD `kustomize`)."""

    # 'nginx=nginx:1.27', 'nginx:1.27', 'nginx=registry/nginx@sha256:...', as Argo CD writes them.
    images: tuple[str, ...] = ()
    name_prefix: str = ""
    name_suffix: str = ""
    namespace: str = ""
    common_labels: Mapping[str, str] = field(default_factory=dict)
    common_annotations: Mapping[str, str] = field(default_factory=dict)
    # Kustomize patch entries ({patch: ..., target: {kind, name, ...}} or {path: ...}).
    patches: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_argo(cls, data: Mapping[str, Any] | None) -> KustomizeOptions:
        data = _mapping(data, "kustomize")
        patches = data.get("patches") or []
        if not isinstance(patches, list) or not all(isinstance(p, Mapping) for p in patches):
            raise RenderError("kustomize.patches must be a list of patch entries (maps)")
        return cls(
            images=_strings(data.get("images"), "kustomize.images"),
            name_prefix=str(data.get("namePrefix") or ""),
            name_suffix=str(data.get("nameSuffix") or ""),
            namespace=str(data.get("namespace") or ""),
            common_labels=_string_map(data.get("commonLabels"), "kustomize.commonLabels"),
            common_annotations=_string_map(
                data.get("commonAnnotations"), "kustomize.commonAnnotations"
            ),
            patches=tuple(dict(p) for p in patches),
        )

    def is_empty(self) -> bool:
        return self == KustomizeOptions()


@dataclass(frozen=True)
class HelmParameter:
    """One `--set` (or `--set-string` when force_string) of Argo CD's `helm.parameters`."""

    name: str
    value: str
    force_string: bool = False


@dataclass(frozen=True)
class HelmOptions:
    """How to run `helm template` on a chart in the repo (Argo CD `helm`)."""

    # Paths relative to the chart folder; they must stay inside the checkout.
    value_files: tuple[str, ...] = ()
    # A YAML document of values; ignored when values_object is given, as in Argo CD.
    values: str = ""
    values_object: Mapping[str, Any] | None = None
    parameters: tuple[HelmParameter, ...] = ()
    # Defaults to the render's app name.
    release_name: str = ""
    namespace: str = ""
    ignore_missing_value_files: bool = False
    skip_crds: bool = False
    skip_tests: bool = False
    kube_version: str = ""
    api_versions: tuple[str, ...] = ()

    @classmethod
    def from_argo(cls, data: Mapping[str, Any] | None) -> HelmOptions:
        data = _mapping(data, "helm")
        params = []
        for index, raw in enumerate(data.get("parameters") or []):
            if not isinstance(raw, Mapping) or "name" not in raw:
                raise RenderError(f"helm.parameters[{index}] needs a name")
            value = raw.get("value", "")
            params.append(
                HelmParameter(
                    name=str(raw["name"]),
                    value=json.dumps(value) if isinstance(value, bool) else str(value),
                    force_string=bool(raw.get("forceString", False)),
                )
            )
        values_object = data.get("valuesObject")
        if values_object is not None and not isinstance(values_object, Mapping):
            raise RenderError("helm.valuesObject must be a map")
        values = data.get("values") or ""
        if not isinstance(values, str):
            raise RenderError("helm.values must be a YAML string (use valuesObject for a map)")
        return cls(
            value_files=_strings(data.get("valueFiles"), "helm.valueFiles"),
            values=values,
            values_object=dict(values_object) if values_object is not None else None,
            parameters=tuple(params),
            release_name=str(data.get("releaseName") or ""),
            namespace=str(data.get("namespace") or ""),
            ignore_missing_value_files=bool(data.get("ignoreMissingValueFiles", False)),
            skip_crds=bool(data.get("skipCrds", False)),
            skip_tests=bool(data.get("skipTests", False)),
            kube_version=str(data.get("kubeVersion") or ""),
            api_versions=_strings(data.get("apiVersions"), "helm.apiVersions"),
        )


@dataclass(frozen=True)
class RenderOptions:
    """The source's renderer options. Setting exactly one of them picks that renderer, as an
    explicit source type does in Argo CD; with none, the files of the path decide."""

    directory: DirectoryOptions | None = None
    kustomize: KustomizeOptions | None = None
    helm: HelmOptions | None = None
    # The application's name: Helm's release name when helm.release_name is empty.
    app_name: str = ""

    @classmethod
    def from_argo(cls, source: Mapping[str, Any] | None, app_name: str = "") -> RenderOptions:
        """From an Argo CD `spec.source` map (its directory/kustomize/helm keys)."""
        source = _mapping(source, "source")
        return cls(
            directory=(
                DirectoryOptions.from_argo(source["directory"]) if "directory" in source else None
            ),
            kustomize=(
                KustomizeOptions.from_argo(source["kustomize"]) if "kustomize" in source else None
            ),
            helm=HelmOptions.from_argo(source["helm"]) if "helm" in source else None,
            app_name=app_name,
        )

    def cache_key(self) -> str:
        """A stable text that differs whenever the rendered output could differ."""
        return json.dumps(asdict(self), sort_keys=True, default=str)
