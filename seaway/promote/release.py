"""A release: the image references (and config files) that say what a stage runs, and the
edit that makes another stage run the same. No I/O: files in, files out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from seaway.model.pipeline import Stage
from seaway.promote.writeback.errors import BadInputError, YamlFileError
from seaway.promote.writeback.images import find_images, parse_names
from seaway.promote.writeback.plan import FileChange, join, plan_image
from seaway.promote.writeback.reference import ImageRef


@dataclass(frozen=True)
class Release:
    # Sorted by canonical name, so two readings of one release compare equal.
    images: tuple[ImageRef, ...]
    # (path relative to the stage's folder, text) of the config files that travel along.
    files: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """A short, stable identity: approvals and promotion records refer to it."""
        digest = hashlib.sha256()
        for image in self.images:
            digest.update(f"image {image.canonical_name} {image}\n".encode())
        for name, text in self.files:
            digest.update(f"file {name} {hashlib.sha256(text.encode()).hexdigest()}\n".encode())
        return digest.hexdigest()[:16]

    @property
    def label(self) -> str:
        """How people call it: `v2` for one image, `web:v2, api:1.3` for several."""
        if len(self.images) == 1:
            return _version(self.images[0])
        return ", ".join(f"{i.short_name}:{_version(i)}" for i in self.images) or "(no images)"

    def describe(self) -> str:
        parts = [str(image) for image in self.images]
        parts += [f"file {name}" for name, _ in self.files]
        return ", ".join(parts) or "nothing"


def _version(image: ImageRef) -> str:
    if image.tag is not None:
        return image.tag
    return (image.digest or "latest")[:19]


def read_release(
    files: Mapping[str, str], stage: Stage, where: str, rules: Stage | None = None
) -> Release:
    """What `stage` runs, from the files of its folder (as `read_files` gathers them). `rules`
    is the stage whose `images` and `files` say what makes the release (the one it goes to)."""
    picks = rules or stage
    found = find_images(files, stage.folder, where)
    if picks.images:
        wanted = parse_names(picks.images)
        missing = wanted - set(found)
        if missing:
            raise BadInputError(
                f"stage {picks.name} names images that {where} does not set: "
                f"{', '.join(sorted(missing))}"
            )
        found = {k: v for k, v in found.items() if k in wanted}
    if not found and not picks.files:
        raise BadInputError(f"{where} sets no image: nothing to promote")
    config = []
    for name in picks.files:
        path = join(stage.folder, name)
        if path not in files:
            raise BadInputError(f"stage {picks.name}: the config file {path} is not in {where}")
        config.append((name, files[path]))
    return Release(tuple(found[k] for k in sorted(found)), tuple(config))


@dataclass(frozen=True)
class ReleaseEdit:
    changes: tuple[FileChange, ...]
    # What changes, in words, for the commit message: `web v1 -> v2`, `file config.yaml`.
    summary: tuple[str, ...]


def plan_release(
    files: Mapping[str, str], release: Release, target: Stage, where: str
) -> ReleaseEdit:
    """The edit that makes `target` run `release`; every other byte of its files stays."""
    current = find_images(files, target.folder, where)
    work = dict(files)
    summary: list[str] = []
    for image in release.images:
        before = current.get(image.canonical_name)
        if before == image:
            continue
        plan = plan_image(work, target.folder, image, where)
        for change in plan.changes:
            work[change.path] = change.new
        was = f"{_version(before)} -> " if before is not None else ""
        summary.append(f"{image.short_name} {was}{_version(image)}")
    for name, text in release.files:
        path = join(target.folder, name)
        if work.get(path) != text:
            if path.endswith((".yaml", ".yml")) and not text.strip():
                raise YamlFileError(f"{path}: the config file to promote is empty")
            work[path] = text
            summary.append(f"file {name}")
    changes = tuple(
        FileChange(path, files.get(path, ""), text)
        for path, text in sorted(work.items())
        if files.get(path) != text
    )
    return ReleaseEdit(changes, tuple(summary))
