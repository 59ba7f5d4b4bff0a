"""Kustomize, through `kubectl kustomize`, with Argo CD's overrides applied to a copy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from seaway.source.errors import RenderError
from seaway.source.render.detect import kustomization_file
from seaway.source.render.manifests import ManifestLoader, parse_yaml
from seaway.source.render.options import KustomizeOptions
from seaway.source.render.tools import Tools
from seaway.source.render.workdir import replace_file, run_tool, writable_copy


def parse_image(spec: str) -> dict[str, str]:
    """A kustomization `images` entry from Argo CD's '[old=]name[:tag|@digest]' form."""
    spec = spec.strip()
    old, sep, new = spec.partition("=")
    image = new if sep else old
    if not image or (sep and not old):
        raise RenderError(f"kustomize image {spec!r} is not '[name=]image[:tag|@digest]'")
    entry: dict[str, str] = {}
    name, at, digest = image.partition("@")
    tag = ""
    if not at:
        # A ':' before the last '/' belongs to a registry's port, not to a tag.
        head, colon, maybe_tag = name.rpartition(":")
        if colon and "/" not in maybe_tag:
            name, tag = head, maybe_tag
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/:-]*", name):
        raise RenderError(f"kustomize image {spec!r} has an invalid image name {name!r}")
    entry["name"] = old if sep else name
    if sep:
        entry["newName"] = name
    if tag:
        entry["newTag"] = tag
    if at:
        entry["digest"] = digest
    return entry


def edit_kustomization(doc: dict[str, Any], options: KustomizeOptions) -> dict[str, Any]:
    """The kustomization with the options applied, as `kustomize edit` would apply them."""
    doc = dict(doc)
    if options.images:
        images = [dict(i) for i in doc.get("images") or [] if isinstance(i, dict)]
        for spec in options.images:
            entry = parse_image(spec)
            images = [i for i in images if i.get("name") != entry["name"]]
            images.append(entry)
        doc["images"] = images
    if options.name_prefix:
        doc["namePrefix"] = options.name_prefix
    if options.name_suffix:
        doc["nameSuffix"] = options.name_suffix
    if options.namespace:
        doc["namespace"] = options.namespace
    if options.common_labels:
        # `labels` with selectors is what the deprecated `commonLabels` means.
        labels = list(doc.get("labels") or [])
        labels.append({"pairs": dict(options.common_labels), "includeSelectors": True})
        doc["labels"] = labels
    if options.common_annotations:
        annotations = dict(doc.get("commonAnnotations") or {})
        annotations.update(options.common_annotations)
        doc["commonAnnotations"] = annotations
    if options.patches:
        doc["patches"] = list(doc.get("patches") or []) + [dict(p) for p in options.patches]
    return doc


def render_kustomize(
    tree: Path, app_path: str, options: KustomizeOptions, tools: Tools, timeout: float
) -> tuple[list[dict[str, Any]], list[str]]:
    kubectl = tools.need_kubectl(app_path)
    what = f"kustomize build of {app_path}"
    if options.is_empty():
        out, err = run_tool(
            [str(kubectl), "kustomize", str(tree / app_path)],
            what=what,
            cwd=tree,
            roots=[tree],
            timeout=timeout,
        )
        return parse_yaml(out, what), _warnings(err)
    with writable_copy(tree) as copy:
        app_dir = copy / app_path
        found = kustomization_file(app_dir)
        if found is None:
            raise RenderError(f"{app_path} has no kustomization.yaml to apply kustomize options to")
        try:
            doc = yaml.load(found.read_text(), Loader=ManifestLoader)  # noqa: S506
        except yaml.YAMLError as exc:
            raise RenderError(f"{app_path}/{found.name}: not valid YAML: {exc}") from exc
        if not isinstance(doc, dict):
            raise RenderError(f"{app_path}/{found.name}: a kustomization must be a map")
        edited = edit_kustomization(doc, options)
        replace_file(found, yaml.safe_dump(edited, sort_keys=False))
        out, err = run_tool(
            [str(kubectl), "kustomize", str(app_dir)],
            what=what,
            cwd=copy,
            roots=[copy, tree],
            timeout=timeout,
        )
        return parse_yaml(out, what), _warnings(err)


def _warnings(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if line.strip()]
