"""Which images a folder of the environment repo runs: the reading side of the write-back.

The workloads' own `image:` fields, with the `images:` overrides of the folder's kustomization
applied as Kustomize applies them (newName, newTag, digest). No I/O: the caller hands over the
files, as `read_files` gathers them (the folder and what its kustomization takes in).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ruamel.yaml.nodes import SequenceNode

from seaway.promote.writeback.errors import BadInputError
from seaway.promote.writeback.plan import KUSTOMIZATION_FILES, container_images, join
from seaway.promote.writeback.reference import (
    ImageRef,
    canonical_name,
    parse_image_ref,
    try_parse_image_ref,
)
from seaway.promote.writeback.yamledit import child, compose, scalar


def _overrides(files: Mapping[str, str], base: str) -> tuple[str | None, dict[str, dict[str, str]]]:
    for name in KUSTOMIZATION_FILES:
        path = join(base, name)
        if path not in files:
            continue
        documents = compose(files[path], path)
        images = child(documents[0] if documents else None, "images")
        found: dict[str, dict[str, str]] = {}
        if isinstance(images, SequenceNode):
            for entry in images.value:
                fields = {
                    key: value
                    for key in ("name", "newName", "newTag", "digest")
                    if (value := scalar(child(entry, key)))
                }
                if "name" in fields:
                    found[canonical_name(fields["name"])] = fields
        return path, found
    return None, {}


def _apply(image: ImageRef, override: Mapping[str, str]) -> ImageRef:
    name = override.get("newName", image.name)
    tag = override.get("newTag", image.tag)
    digest = override.get("digest", image.digest)
    # A new tag alone drops an old digest, which would otherwise pin the old image.
    if "newTag" in override and "digest" not in override:
        digest = None
    return replace(image, name=name, tag=tag, digest=digest)


def find_images(files: Mapping[str, str], base: str, where: str) -> dict[str, ImageRef]:
    """The images that run from `base`, by canonical name; `where` names the folder in errors.

    Raises BadInputError when one name runs at two different references, since a release made
    of it would be ambiguous.
    """
    kustomization, overrides = _overrides(files, base)
    found: dict[str, ImageRef] = {}
    places: dict[str, str] = {}
    for path in sorted(files):
        if path == kustomization or not path.endswith((".yaml", ".yml")):
            continue
        if kustomization is None and not (base in {"", "."} or path.startswith(f"{base}/")):
            continue
        for document in compose(files[path], path):
            for _, text in container_images(document):
                parsed = try_parse_image_ref(text)
                if parsed is None:
                    continue
                key = parsed.canonical_name
                ref = _apply(parsed, overrides.get(key, {}))
                if key in found and found[key] != ref:
                    raise BadInputError(
                        f"{where} runs {found[key]} ({places[key]}) and {ref} ({path}): one "
                        "image at two references cannot be promoted as one release"
                    )
                found[key] = ref
                places[key] = path
    return found


def parse_names(names: list[str]) -> set[str]:
    """Canonical names of images given by name (a tag or digest, if given, is ignored)."""
    return {parse_image_ref(name).canonical_name for name in names}
