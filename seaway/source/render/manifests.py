"""Turning YAML and JSON text into Kubernetes objects, with errors that name file and place."""

from __future__ import annotations

import json
from typing import Any

import yaml

from seaway.source.errors import RenderError

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class ManifestLoader(yaml.CSafeLoader):
    """libyaml's safe loader, except that dates stay strings.

    Kubernetes reads YAML through sigs.k8s.io/yaml, which leaves `2024-01-01` a string; PyYAML
    would make it a date, which is neither what the API server sees nor JSON-serialisable.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep)
        if all(isinstance(key, str) for key in mapping):
            return mapping
        # JSON, and so the API server, has only string keys; these are the strings that
        # sigs.k8s.io/yaml makes of YAML 1.1's other keys (`on:` is true, `1:` is 1).
        return {_string_key(key): value for key, value in mapping.items()}


def _string_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


def _where(source: str, index: int, item: int | None = None) -> str:
    place = f"{source} (document {index}"
    return place + (f", item {item})" if item is not None else ")")


def check_object(doc: Any, where: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise RenderError(
            f"{where}: not a Kubernetes object (a {type(doc).__name__}, not a map with "
            "apiVersion and kind)"
        )
    missing = [key for key in ("apiVersion", "kind") if not doc.get(key)]
    if missing:
        raise RenderError(f"{where}: not a Kubernetes object: no {' and no '.join(missing)}")
    for key in ("apiVersion", "kind"):
        if not isinstance(doc[key], str):
            raise RenderError(f"{where}: {key} must be a string, not {doc[key]!r}")
    metadata = doc.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise RenderError(f"{where}: metadata must be a map")
    return doc


def expand(doc: Any, source: str, index: int) -> list[dict[str, Any]]:
    """The objects of one document: itself, or the items of a `kind: List`."""
    obj = check_object(doc, _where(source, index))
    if obj["kind"] != "List":
        return [obj]
    items = obj.get("items") or []
    if not isinstance(items, list):
        raise RenderError(f"{_where(source, index)}: the items of a List must be a list")
    return [check_object(item, _where(source, index, n)) for n, item in enumerate(items, 1)]


def parse_yaml(text: str, source: str) -> list[dict[str, Any]]:
    """Every object of a multi-document YAML stream; empty documents are skipped."""
    objects: list[dict[str, Any]] = []
    index = 0
    try:
        for doc in yaml.load_all(text, Loader=ManifestLoader):
            index += 1
            if doc is None:
                continue
            objects.extend(expand(doc, source, index))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise RenderError(f"{source}: YAML syntax error{at}: {problem}") from exc
    except yaml.YAMLError as exc:
        raise RenderError(f"{source}: YAML error: {exc}") from exc
    return objects


def parse_json(text: str, source: str) -> list[dict[str, Any]]:
    """The objects of a JSON file: one object, a `kind: List`, or an array of objects."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RenderError(
            f"{source}: JSON syntax error at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    if isinstance(doc, list):
        objects: list[dict[str, Any]] = []
        for n, item in enumerate(doc, 1):
            objects.extend(expand(item, source, n))
        return objects
    return expand(doc, source, 1)
