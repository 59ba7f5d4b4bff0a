"""Parameter sets as generators make them, in the two shapes Argo CD has.

With goTemplate a parameter set is nested (`{"path": {"basename": "web"}}`, read as
`{{.path.basename}}`); without it, flat string keys with dots (`{"path.basename": "web"}`, read
as `{{path.basename}}`). Generators build the nested shape; `flatten` gives the plain one.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Mapping
from typing import Any

Params = dict[str, Any]

_INVALID_NAME_CHARS = re.compile(r"[^-a-z0-9.]")
_MAX_NAME_LENGTH = 253


def normalize_name(text: str) -> str:
    """Argo CD's `basenameNormalized`/`nameNormalized`: a valid Kubernetes object name."""
    cleaned = _INVALID_NAME_CHARS.sub("-", text.lower())
    return cleaned[:_MAX_NAME_LENGTH].strip("-.")


def plain_value(value: object) -> str:
    """A value as the plain form prints it: strings as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return json.dumps(value, separators=(",", ":"))


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested parameters as dotted string keys, lists by index (`a.0.b`), like Argo CD's
    flattening of git files."""
    out: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, name))
        elif isinstance(value, list) and value:
            out.update(flatten({str(i): item for i, item in enumerate(value)}, name))
        else:
            out[name] = plain_value(value)
    return out


def path_params(directory: str, filename: str = "") -> dict[str, Any]:
    """The `path` parameters of a git generator for a folder (and a file in it)."""
    segments = [part for part in directory.split("/") if part] if directory else []
    basename = posixpath.basename(directory)
    nested: dict[str, Any] = {
        "path": directory,
        "basename": basename,
        "basenameNormalized": normalize_name(basename),
        "segments": segments,
    }
    if filename:
        nested["filename"] = filename
        nested["filenameNormalized"] = normalize_name(filename)
    return nested


def plain_path_params(nested: Mapping[str, Any], name: str) -> dict[str, str]:
    """The plain form of path parameters: `path`, `path.basename`, `path[0]`, ..."""
    out = {name: str(nested["path"])}
    for key in ("basename", "basenameNormalized", "filename", "filenameNormalized"):
        if key in nested:
            out[f"{name}.{key}"] = str(nested[key])
    for index, segment in enumerate(nested["segments"]):
        out[f"{name}[{index}]"] = str(segment)
    return out
