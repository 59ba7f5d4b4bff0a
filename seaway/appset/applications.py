"""From an ApplicationSet to its Applications, and from those to the changes to make.

`render_set` runs the generators, fills the template with each parameter set and checks every
Application as Seaway loads any other (errors name the set, the generator and the field).
`plan_changes` compares them with the Applications that exist and applies Argo CD's
applicationsSync policy. Nothing here writes anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from seaway.appset.generators import GeneratorError, Inputs, Mode, deep_merge, generate
from seaway.appset.gotemplate import TemplateError, render_go
from seaway.model import API_VERSION, ManifestError, parse_object
from seaway.model.applicationset import (
    ApplicationSet,
    ApplicationsSync,
    ApplicationTemplate,
    Generator,
    GoTemplateOption,
    appset_unsupported,
)

OWNER_KIND = "ApplicationSet"
# Argo CD's finalizer that makes deleting an Application delete its resources.
RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"
_CASCADE = (RESOURCES_FINALIZER, "resources-finalizer.argocd.argoproj.io/background")
# Annotations other parties write on an Application; an update of the set leaves them alone.
_FOREIGN_ANNOTATIONS = frozenset(
    {
        "argocd.argoproj.io/refresh",
        "argocd.argoproj.io/hydrate",
        "kubectl.kubernetes.io/last-applied-configuration",
    }
)
_KUBE_FINALIZERS = frozenset({"foregroundDeletion", "orphan"})


class AppSetError(ValueError):
    """A set that makes no Applications this time; each line names where and why."""

    def __init__(self, problems: Sequence[str], reason: str) -> None:
        self.problems = tuple(problems)
        # Argo CD's condition reason for it, e.g. ApplicationGenerationFromParamsError.
        self.reason = reason
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Rendered:
    apps: list[dict[str, Any]]
    revisions: frozenset[tuple[str, str]]


def _generator_template(gen: Generator) -> ApplicationTemplate | None:
    for kind in (gen.list, gen.clusters, gen.git, gen.matrix, gen.merge):
        if kind is not None:
            return kind.template
    return None


def owner_reference(appset: ApplicationSet) -> dict[str, Any]:
    ref: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": OWNER_KIND,
        "name": appset.name,
        "controller": True,
        "blockOwnerDeletion": True,
    }
    if appset.metadata.uid:
        ref["uid"] = appset.metadata.uid
    return ref


def owner_of(app: Mapping[str, Any]) -> str | None:
    """The name of the ApplicationSet that made `app`, if one did."""
    for ref in (app.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("kind") == OWNER_KIND and str(ref.get("apiVersion", "")).startswith("argoproj"):
            return str(ref.get("name", ""))
    return None


def _application(appset: ApplicationSet, rendered: Mapping[str, Any]) -> dict[str, Any]:
    meta = dict(rendered.get("metadata") or {})
    namespace = appset.metadata.namespace
    given = meta.get("namespace")
    if given and namespace and given != namespace:
        raise ValueError(
            f"metadata.namespace: {given!r}: generated Applications live in the set's own "
            f"namespace {namespace!r}"
        )
    finalizers = [str(f) for f in meta.get("finalizers") or []]
    if appset.spec.preserve_resources:
        finalizers = [f for f in finalizers if f not in _CASCADE]
    elif not any(f in _CASCADE for f in finalizers):
        finalizers.append(RESOURCES_FINALIZER)
    metadata: dict[str, Any] = {"name": meta.get("name", "")}
    if namespace or given:
        metadata["namespace"] = namespace or given
    for key in ("labels", "annotations"):
        if meta.get(key):
            metadata[key] = dict(meta[key])
    if finalizers:
        metadata["finalizers"] = finalizers
    metadata["ownerReferences"] = [owner_reference(appset)]
    return {
        "apiVersion": API_VERSION,
        "kind": "Application",
        "metadata": metadata,
        "spec": rendered.get("spec") or {},
    }


def _mode(appset: ApplicationSet) -> Mode:
    missing_error = GoTemplateOption.MISSING_KEY_ERROR in appset.spec.go_template_options
    return Mode(appset.spec.go_template, missing_error)


@dataclass
class _Collected:
    apps: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    where: dict[str, str] = field(default_factory=dict)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: mappings merge, null removes a key, anything else replaces."""
    if not isinstance(patch, Mapping):
        return patch
    out = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _patched(appset: ApplicationSet, filled: dict[str, Any], params: Mapping[str, Any]) -> Any:
    """Argo CD's templatePatch: a Go template of YAML, rendered with the same parameters and
    merged over the rendered template."""
    mode = _mode(appset)
    try:
        text = render_go(appset.spec.template_patch, params, missing_error=mode.missing_error)
    except TemplateError as exc:
        raise ValueError(f"templatePatch: {exc}") from None
    try:
        patch = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"templatePatch: rendered to invalid YAML: {exc}") from None
    if patch is None:
        return filled
    if not isinstance(patch, Mapping):
        raise ValueError("templatePatch: must render to an object (metadata, spec)")
    return merge_patch(filled, patch)


def _render_one(
    appset: ApplicationSet, template: Mapping[str, Any], params: Mapping[str, Any], where: str
) -> tuple[dict[str, Any] | None, list[str]]:
    try:
        filled = _mode(appset).renderer(params).value(dict(template), "template")
        if appset.spec.template_patch:
            filled = _patched(appset, filled, params)
        app = _application(appset, filled)
    except (TemplateError, ValueError) as exc:
        return None, [f"{where}: {exc}"]
    try:
        parse_object(app, f"ApplicationSet {appset.name}")
    except ManifestError as exc:
        name = app["metadata"].get("name") or "(no name)"
        return None, [
            f"{where}: Application {name}: {problem.path}: {problem.message}"
            for problem in exc.problems
        ]
    return app, []


def render_set(appset: ApplicationSet, inputs: Inputs) -> Rendered:
    """Every Application the set makes now; AppSetError if any generator or app fails, so a
    set never makes part of its apps (which would delete the rest)."""
    unsupported = appset_unsupported(appset)
    if unsupported:
        raise AppSetError([str(u) for u in unsupported], "ApplicationSetUnsupported")
    base = appset.spec.template.to_dict()
    collected = _Collected()
    revisions: set[tuple[str, str]] = set()
    for index, gen in enumerate(appset.spec.generators):
        path = f"spec.generators[{index}]"
        try:
            generated = generate(gen, inputs, _mode(appset), path)
        except GeneratorError as exc:
            collected.problems.append(str(exc))
            continue
        revisions |= generated.revisions
        own = _generator_template(gen)
        template = deep_merge(base, own.to_dict()) if own is not None else base
        for number, params in enumerate(generated.params):
            where = f"{path} parameter set {number + 1}"
            app, problems = _render_one(appset, template, params, where)
            collected.problems.extend(problems)
            if app is None:
                continue
            name = str(app["metadata"]["name"])
            if name in collected.where:
                collected.problems.append(
                    f"{where}: Application {name} is also made by {collected.where[name]}"
                )
                continue
            collected.where[name] = where
            collected.apps.append(app)
    if collected.problems:
        raise AppSetError(collected.problems, "ApplicationGenerationFromParamsError")
    return Rendered(collected.apps, frozenset(revisions))


# -- changes -----------------------------------------------------------------------------------


@dataclass
class Changes:
    create: list[dict[str, Any]] = field(default_factory=list)
    update: list[dict[str, Any]] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    # Apps the set would make whose name another owner (or a person) already uses.
    conflicts: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.create or self.update or self.delete)


def _finalizers(meta: Mapping[str, Any]) -> set[str]:
    return {str(f) for f in meta.get("finalizers") or []} - _KUBE_FINALIZERS


def differs(desired: Mapping[str, Any], existing: Mapping[str, Any]) -> bool:
    """Whether an existing app lacks what the set says (spec, labels, annotations, finalizers,
    its owner)."""
    want, have = desired["metadata"], existing.get("metadata") or {}
    annotations = {
        k: v for k, v in (have.get("annotations") or {}).items() if k not in _FOREIGN_ANNOTATIONS
    }
    return (
        desired.get("spec") != existing.get("spec")
        or (want.get("labels") or {}) != (have.get("labels") or {})
        or (want.get("annotations") or {}) != annotations
        or _finalizers(want) != _finalizers(have)
        or owner_of(existing) != owner_of(desired)
    )


def plan_changes(
    appset_name: str,
    desired: Sequence[dict[str, Any]],
    existing: Sequence[Mapping[str, Any]],
    policy: ApplicationsSync,
) -> Changes:
    """What to create, update and delete so the set's apps are `desired`, as `policy` allows."""
    by_name = {str((app.get("metadata") or {}).get("name", "")): app for app in existing}
    changes = Changes()
    wanted: set[str] = set()
    for app in desired:
        name = str(app["metadata"]["name"])
        wanted.add(name)
        found = by_name.get(name)
        if found is None:
            changes.create.append(app)
        elif owner_of(found) != appset_name:
            owner = owner_of(found)
            whose = f"ApplicationSet {owner}" if owner else "no ApplicationSet"
            changes.conflicts.append(f"Application {name} exists and is owned by {whose}")
        elif (found.get("metadata") or {}).get("deletionTimestamp"):
            changes.unchanged.append(name)
        elif policy.updates and differs(app, found):
            changes.update.append(app)
        else:
            changes.unchanged.append(name)
    for name, other in sorted(by_name.items()):
        going = bool((other.get("metadata") or {}).get("deletionTimestamp"))
        if name not in wanted and owner_of(other) == appset_name and policy.deletes and not going:
            changes.delete.append(name)
    return changes
