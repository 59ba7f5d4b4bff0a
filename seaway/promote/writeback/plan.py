"""Where an image is set in an environment repo, and the edit that sets it: no I/O.

The caller hands over the YAML files it read (repo-relative path to text); the plan says which
files change into what. The order of preference is the order a person would edit: the
kustomization's `images:` override, else the workloads' own `image:` fields; a Helm values file
is edited only when asked for by name, since a chart's values have no fixed shape.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from seaway.promote.writeback.errors import BadInputError, NoMatchingImageError
from seaway.promote.writeback.reference import ImageRef, canonical_name, try_parse_image_ref
from seaway.promote.writeback.yamledit import (
    AppendItem,
    DeleteKey,
    Edit,
    Key,
    SetValue,
    apply_edits,
    child,
    compose,
    find,
    scalar,
)

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "Rollout": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
_CONTAINER_LISTS = ("initContainers", "containers")


@dataclass(frozen=True)
class HelmTarget:
    """Dotted paths in a Helm values file (relative to the app's path) that hold the image."""

    values_file: str = "values.yaml"
    tag: str | None = "image.tag"
    repository: str | None = None
    digest: str | None = None


@dataclass(frozen=True)
class FileChange:
    path: str
    old: str
    new: str


@dataclass(frozen=True)
class Plan:
    """The files that change; empty when every matching place already holds the reference."""

    kind: Literal["kustomization", "manifests", "helm"]
    changes: tuple[FileChange, ...]
    matched: tuple[str, ...] = field(default=())

    @property
    def nothing_to_do(self) -> bool:
        return not self.changes


def join(base: str, name: str) -> str:
    return posixpath.normpath(posixpath.join(base, name)) if base not in {"", "."} else name


def plan_image(
    files: Mapping[str, str],
    base: str,
    ref: ImageRef,
    where: str,
    helm: HelmTarget | None = None,
) -> Plan:
    """The edit that sets `ref` under `base`; `where` (like `dev:app/`) names it in errors."""
    if helm is not None:
        return _plan_helm(files, base, ref, helm)
    for name in KUSTOMIZATION_FILES:
        path = join(base, name)
        if path in files:
            return _plan_kustomization(files, path, ref, where)
    under = {p: t for p, t in files.items() if _is_under(p, base)}
    return _plan_manifests(under, ref, where)


def _is_under(path: str, base: str) -> bool:
    return base in {"", "."} or path.startswith(base.rstrip("/") + "/")


def container_images(doc: Node | None) -> list[tuple[tuple[Key, ...], str]]:
    """(path, image) of every container and init container of a workload document."""
    kind = scalar(child(doc, "kind"))
    spec_path = _POD_SPEC_PATHS.get(kind or "")
    if spec_path is None:
        return []
    found: list[tuple[tuple[Key, ...], str]] = []
    for list_name in _CONTAINER_LISTS:
        containers = find(doc, (*spec_path, list_name))
        if not isinstance(containers, SequenceNode):
            continue
        for index, container in enumerate(containers.value):
            path: tuple[Key, ...] = (*spec_path, list_name, index, "image")
            image = scalar(find(container, ("image",)))
            if image is not None:
                found.append((path, image))
    return found


def _new_image(current: str, ref: ImageRef) -> str | None:
    parsed = try_parse_image_ref(current)
    if parsed is None or parsed.canonical_name != ref.canonical_name:
        return None
    # The file's own spelling of the name stays, so `nginx` does not become docker.io/library/.
    return ref.with_name(parsed.name)


def _plan_manifests(files: Mapping[str, str], ref: ImageRef, where: str) -> Plan:
    changes: list[FileChange] = []
    matched: list[str] = []
    seen: set[str] = set()
    for path in sorted(files):
        if not path.endswith((".yaml", ".yml")):
            continue
        edits: list[Edit] = []
        for number, doc in enumerate(compose(files[path], path)):
            for field_path, image in container_images(doc):
                new = _new_image(image, ref)
                if new is None:
                    seen.add(image)
                    continue
                edits.append(SetValue(number, field_path, new))
        if not edits:
            continue
        matched.append(path)
        text = apply_edits(files[path], edits, path)
        if text != files[path]:
            changes.append(FileChange(path, files[path], text))
    if not matched:
        raise _no_match(ref, where, seen)
    return Plan("manifests", tuple(changes), tuple(matched))


def _no_match(ref: ImageRef, where: str, seen: set[str]) -> NoMatchingImageError:
    found = ", ".join(sorted(seen)) or "none"
    return NoMatchingImageError(f"no image named {ref.name} in {where} (images found: {found})")


def _plan_kustomization(files: Mapping[str, str], path: str, ref: ImageRef, where: str) -> Plan:
    text = files[path]
    documents = compose(text, path)
    doc = documents[0] if documents else None
    images = child(doc, "images")
    seen: set[str] = set()
    if isinstance(images, SequenceNode):
        for index, entry in enumerate(images.value):
            names = [scalar(child(entry, key)) for key in ("name", "newName")]
            seen.update(n for n in names if n)
            if any(n and canonical_name(n) == ref.canonical_name for n in names):
                edits = _entry_edits(("images", index), entry, ref)
                return _single(path, text, apply_edits(text, edits, path))
    elif images is not None:
        raise BadInputError(f"{path}: images is not a list")
    return _add_kustomization_entry(files, path, ref, where, seen)


def _add_kustomization_entry(
    files: Mapping[str, str], path: str, ref: ImageRef, where: str, seen: set[str]
) -> Plan:
    # No override yet: add one, but only for an image the kustomization's resources use, since
    # an entry for an unused name would change nothing and hide the mistake.
    text = files[path]
    used: dict[str, str] = {}
    for other in sorted(files):
        if other == path or not other.endswith((".yaml", ".yml")):
            continue
        for doc_node in compose(files[other], other):
            for _, image in container_images(doc_node):
                parsed = try_parse_image_ref(image)
                if parsed is not None and parsed.canonical_name == ref.canonical_name:
                    used.setdefault(parsed.name, other)
                else:
                    seen.add(image)
    if not used:
        raise _no_match(ref, where, seen)
    item: list[tuple[str, str]] = [("name", sorted(used)[0])]
    if ref.name != item[0][1]:
        item.append(("newName", ref.name))
    if ref.tag is not None:
        item.append(("newTag", ref.tag))
    if ref.digest is not None:
        item.append(("digest", ref.digest))
    new = apply_edits(text, [AppendItem(0, ("images",), tuple(item))], path)
    return _single(path, text, new)


def _entry_edits(prefix: tuple[Key, ...], entry: Node, ref: ImageRef) -> list[Edit]:
    edits: list[Edit] = []
    # A stale digest would win over a new tag (and a stale tag would sit beside a new digest).
    for key, value in (("newTag", ref.tag), ("digest", ref.digest)):
        if value is not None:
            edits.append(SetValue(0, (*prefix, key), value))
        elif isinstance(entry, MappingNode) and child(entry, key) is not None:
            edits.append(DeleteKey(0, (*prefix, key)))
    return edits


def _single(path: str, old: str, new: str) -> Plan:
    changes = (FileChange(path, old, new),) if new != old else ()
    return Plan("kustomization", changes, (path,))


def _plan_helm(files: Mapping[str, str], base: str, ref: ImageRef, helm: HelmTarget) -> Plan:
    path = join(base, helm.values_file)
    if path not in files:
        raise BadInputError(f"the Helm values file {path} does not exist")
    edits: list[Edit] = []
    if helm.repository is not None:
        edits.append(SetValue(0, _keys(helm.repository), ref.name))
    if ref.tag is not None:
        if helm.tag is None:
            raise BadInputError("the reference has a tag but no --helm-value names where it goes")
        edits.append(SetValue(0, _keys(helm.tag), ref.tag))
    if ref.digest is not None:
        if helm.digest is None:
            raise BadInputError(
                f"{ref} has a digest: name the values key for it with --helm-digest-value"
            )
        edits.append(SetValue(0, _keys(helm.digest), ref.digest))
    text = files[path]
    new = apply_edits(text, edits, path)
    return Plan("helm", (FileChange(path, text, new),) if new != text else (), (path,))


def _keys(dotted: str) -> tuple[Key, ...]:
    keys = tuple(part for part in dotted.split("."))
    if not dotted or any(not key for key in keys):
        raise BadInputError(f"{dotted!r} is not a dotted values path such as image.tag")
    return keys
