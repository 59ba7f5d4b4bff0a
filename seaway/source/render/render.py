"""render(): one path of a checked-out revision into the Kubernetes objects it declares."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seaway.source.errors import RenderError
from seaway.source.render.detect import SourceType, detect
from seaway.source.render.helm import render_helm
from seaway.source.render.kustomize import render_kustomize
from seaway.source.render.options import (
    DirectoryOptions,
    HelmOptions,
    KustomizeOptions,
    RenderOptions,
)
from seaway.source.render.plain import render_directory
from seaway.source.render.tools import Tools
from seaway.source.render.workdir import DEFAULT_TIMEOUT


@dataclass(frozen=True)
class RenderResult:
    """The desired objects, in the renderer's order, and what the renderer warned about."""

    objects: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    source_type: SourceType = SourceType.DIRECTORY


def app_dir_of(tree: Path, path: str) -> tuple[Path, str]:
    """The folder of the source path inside the tree, and the path as shown in messages."""
    shown = path.strip().strip("/") or "."
    root = tree.resolve()
    app_dir = (root / shown).resolve()
    if app_dir != root and root not in app_dir.parents:
        raise RenderError(f"path {path!r} points outside the repo")
    if not app_dir.exists():
        raise RenderError(f"path {shown!r} does not exist in the revision")
    if not app_dir.is_dir():
        raise RenderError(f"path {shown!r} is a file; a source path must be a folder")
    return app_dir, shown


def _identity(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    meta = obj.get("metadata") or {}
    group = obj["apiVersion"].rpartition("/")[0]
    return (group, obj["kind"], str(meta.get("namespace") or ""), str(meta.get("name") or ""))


def _repeated(objects: list[dict[str, Any]], shown: str) -> list[str]:
    counts = Counter(_identity(o) for o in objects)
    warnings = []
    for (group, kind, namespace, name), count in counts.items():
        if count > 1 and name:
            kind_name = f"{kind}.{group}" if group else kind
            where = f"{namespace}/{name}" if namespace else name
            warnings.append(f"{shown} declares {kind_name} {where} {count} times; the last wins")
    return warnings


def render(
    tree: Path,
    path: str,
    options: RenderOptions | None = None,
    *,
    tools: Tools | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> RenderResult:
    """Render `path` of the checkout `tree` (Kustomize, Helm or a plain folder, like Argo CD)."""
    options = options or RenderOptions()
    tools = tools or Tools()
    tree = tree.resolve()
    app_dir, shown = app_dir_of(tree, path)
    rel = app_dir.relative_to(tree).as_posix()
    kind = detect(app_dir, options, shown)
    if kind is SourceType.KUSTOMIZE:
        objects, warnings = render_kustomize(
            tree, rel, options.kustomize or KustomizeOptions(), tools, timeout
        )
    elif kind is SourceType.HELM:
        objects, warnings = render_helm(
            tree,
            rel,
            options.helm or HelmOptions(),
            app_name=options.app_name,
            tools=tools,
            timeout=timeout,
        )
    else:
        objects, warnings = render_directory(app_dir, rel, options.directory or DirectoryOptions())
    return RenderResult(objects, warnings + _repeated(objects, shown), kind)
