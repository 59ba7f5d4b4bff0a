"""Which renderer a source path needs, decided the way Argo CD decides it."""

from __future__ import annotations

import enum
from pathlib import Path

from seaway.source.errors import RenderError
from seaway.source.render.options import RenderOptions

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


class SourceType(enum.StrEnum):
    DIRECTORY = "Directory"
    KUSTOMIZE = "Kustomize"
    HELM = "Helm"


def kustomization_file(app_dir: Path) -> Path | None:
    for name in KUSTOMIZATION_FILES:
        candidate = app_dir / name
        if candidate.is_file():
            return candidate
    return None


def detect(app_dir: Path, options: RenderOptions, app_path: str) -> SourceType:
    """Options for exactly one renderer choose it; otherwise the files in the folder do:
    a kustomization first, then Chart.yaml, else a plain directory."""
    explicit = [
        kind
        for kind, given in (
            (SourceType.DIRECTORY, options.directory),
            (SourceType.KUSTOMIZE, options.kustomize),
            (SourceType.HELM, options.helm),
        )
        if given is not None
    ]
    if len(explicit) > 1:
        names = ", ".join(kind.value.lower() for kind in explicit)
        raise RenderError(
            f"the source of {app_path} sets options for more than one renderer ({names}); "
            "set only one"
        )
    if explicit:
        return explicit[0]
    if kustomization_file(app_dir) is not None:
        return SourceType.KUSTOMIZE
    if (app_dir / "Chart.yaml").is_file():
        return SourceType.HELM
    return SourceType.DIRECTORY
