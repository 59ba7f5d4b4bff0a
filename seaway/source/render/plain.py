"""A plain folder of YAML and JSON manifests (Argo CD's directory source)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from seaway.source.errors import RenderError
from seaway.source.render.globs import glob_match
from seaway.source.render.manifests import parse_json, parse_yaml
from seaway.source.render.options import DirectoryOptions

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def manifest_files(app_dir: Path, options: DirectoryOptions) -> list[str]:
    """Manifest files to read, relative to app_dir and sorted, after include and exclude."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(app_dir):
        if options.recurse:
            # Hidden folders (.git, .github, editors' folders) are never manifests.
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        else:
            dirnames[:] = []
        for name in filenames:
            if not name.endswith(MANIFEST_SUFFIXES):
                continue
            rel = Path(dirpath, name).relative_to(app_dir).as_posix()
            if options.include and not glob_match(options.include, rel):
                continue
            if options.exclude and glob_match(options.exclude, rel):
                continue
            found.append(rel)
    return sorted(found)


def render_directory(
    app_dir: Path, app_path: str, options: DirectoryOptions
) -> tuple[list[dict[str, Any]], list[str]]:
    objects: list[dict[str, Any]] = []
    warnings: list[str] = []
    files = manifest_files(app_dir, options)
    for rel in files:
        shown = f"{app_path.rstrip('/')}/{rel}" if app_path not in ("", ".") else rel
        try:
            text = (app_dir / rel).read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RenderError(f"{shown}: not UTF-8 text ({exc.reason})") from exc
        except OSError as exc:
            raise RenderError(f"{shown}: cannot be read ({exc.strerror})") from exc
        if rel.endswith(".json"):
            objects.extend(parse_json(text, shown))
        else:
            objects.extend(parse_yaml(text, shown))
    if not files:
        warnings.append(f"{app_path or '.'} has no manifest files (.yaml, .yml, .json)")
    return objects, warnings
