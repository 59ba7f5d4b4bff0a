"""Fields Seaway reads but does not act on, so the controller can say so rather than ignore them.

An Argo CD manifest always loads; what Seaway would not honour is reported, field by field, as
an UnsupportedField condition. Two kinds are reported: the Argo CD fields listed here (the
contract with the parts that render and sync: a field off these lists is one they honour), and
any key that neither Argo CD nor Seaway knows. Status is left out: controllers write it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel

from seaway.model.application import Application
from seaway.model.project import AppProject
from seaway.model.sync_policy import parse_sync_options

# "{source}" stands for spec.source and each of spec.sources; "[]" for any list index.
# Kept in step with what seaway.source renders and seaway.controller does: when a part starts
# honouring a field, the field leaves this list in the same change.
APPLICATION_UNSUPPORTED: Mapping[str, str] = {
    "operation": "requesting an operation by writing the Application is not supported",
    "spec.sourceHydrator": "source hydration is not supported",
    "{source}.chart": "charts are not fetched from Helm repositories (a chart in Git is)",
    "{source}.ref": "sources that lend their files to other sources are not supported",
    "{source}.plugin": "config management plugins are not supported",
    "{source}.directory.jsonnet": "Jsonnet is not rendered",
    "{source}.helm.fileParameters": "Helm file parameters (--set-file) are not supported",
    "{source}.helm.passCredentials": "passing credentials to every Helm domain is not supported",
    "{source}.helm.skipSchemaValidation": "skipping Helm schema validation is not supported",
    "{source}.helm.version": "only Helm 3 renders charts",
    "{source}.kustomize.version": "Kustomize versions are not selectable (kubectl's is used)",
    "{source}.kustomize.commonAnnotationsEnvsubst": (
        "environment substitution in Kustomize annotations is not supported"
    ),
    "{source}.kustomize.forceCommonLabels": "forcing Kustomize common labels is not supported",
    "{source}.kustomize.forceCommonAnnotations": (
        "forcing Kustomize common annotations is not supported"
    ),
    "{source}.kustomize.labelWithoutSelector": "Kustomize labelWithoutSelector is not supported",
    "{source}.kustomize.labelIncludeTemplates": "Kustomize labelIncludeTemplates is not supported",
    "{source}.kustomize.components": "adding Kustomize components is not supported",
    "{source}.kustomize.ignoreMissingComponents": "Kustomize components are not supported",
    "{source}.kustomize.replicas": "Kustomize replica overrides are not supported",
    "{source}.kustomize.kubeVersion": "Kustomize kubeVersion is not supported",
    "{source}.kustomize.apiVersions": "Kustomize apiVersions are not supported",
    "spec.syncPolicy.managedNamespaceMetadata": "managed namespace metadata is not applied",
}
PROJECT_UNSUPPORTED: Mapping[str, str] = {
    "spec.roles": "project roles are kept but not enforced",
    "spec.signatureKeys": "Git commit signatures are not verified",
    "spec.permitOnlyProjectScopedClusters": "project-scoped clusters are not supported",
    "spec.destinationServiceAccounts": "impersonating service accounts is not supported",
}
# Values of a listed field that Seaway does honour.
_ACCEPTED_VALUES: Mapping[str, frozenset[object]] = {
    "{source}.helm.version": frozenset({"3", "v3"}),
}
_INDEX = re.compile(r"\[\d+\]")
_SKIPPED = frozenset({"status"})


@dataclass(frozen=True)
class UnsupportedField:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def _pattern(path: str) -> str:
    general = _INDEX.sub("[]", path)
    for prefix in ("spec.sources[].", "spec.source."):
        if general.startswith(prefix):
            return "{source}." + general.removeprefix(prefix)
    return general


def _is_zero(value: object) -> bool:
    """Whether a value leaves the feature off, as Go's omitempty would drop it."""
    if isinstance(value, BaseModel):
        return not value.model_fields_set and not value.model_extra
    if isinstance(value, str | list | dict):
        return not value
    return value is None or value is False or value == 0


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _walk(
    model: BaseModel, path: str, listed: Mapping[str, str], found: list[UnsupportedField]
) -> None:
    for key in model.model_extra or {}:
        found.append(UnsupportedField(_join(path, key), "unknown field"))
    for name, info in type(model).model_fields.items():
        if name not in model.model_fields_set:
            continue
        child = _join(path, info.alias or name)
        if child in _SKIPPED:
            continue
        value = getattr(model, name)
        pattern = _pattern(child)
        if pattern in listed:
            accepted = _ACCEPTED_VALUES.get(pattern, frozenset())
            if not _is_zero(value) and not (isinstance(value, str) and value in accepted):
                found.append(UnsupportedField(child, listed[pattern]))
            continue
        if isinstance(value, BaseModel):
            _walk(value, child, listed, found)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    _walk(item, f"{child}[{index}]", listed, found)


def describe_unsupported(obj: Application | AppProject) -> list[UnsupportedField]:
    """Every field of `obj` Seaway does not act on, with the reason; unknown sync options
    come last."""
    found: list[UnsupportedField] = []
    listed = APPLICATION_UNSUPPORTED if isinstance(obj, Application) else PROJECT_UNSUPPORTED
    _walk(obj, "", listed, found)
    if isinstance(obj, Application) and obj.spec.sync_policy is not None:
        options = obj.spec.sync_policy.sync_options
        unknown = set(parse_sync_options(options).unknown)
        for index, option in enumerate(options):
            if option in unknown:
                found.append(
                    UnsupportedField(
                        f"spec.syncPolicy.syncOptions[{index}]", f"unknown sync option {option!r}"
                    )
                )
    return found


def unsupported_fields(obj: Application | AppProject) -> list[str]:
    """The dotted paths of every field of `obj` Seaway does not act on."""
    return [field.path for field in describe_unsupported(obj)]
