"""Edits of YAML text that keep every byte the edit does not touch.

A changed scalar is spliced into the original text at the position ruamel.yaml's composer reports,
in the quoting style it had, so comments, spacing, key order and other documents stay exactly as
they were. Only an edit that adds or removes keys falls back to ruamel.yaml's round-trip dump,
which keeps comments, order and quoting but may re-indent the file it rewrites.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from seaway.promote.writeback.errors import YamlFileError

Key = str | int
_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./:@+-]*$")


@dataclass(frozen=True)
class SetValue:
    """Set the string at `path` of document `document`, creating missing mapping keys."""

    document: int
    path: tuple[Key, ...]
    value: str


@dataclass(frozen=True)
class DeleteKey:
    """Remove the key at `path` (its last element) if it is there."""

    document: int
    path: tuple[Key, ...]


@dataclass(frozen=True)
class AppendItem:
    """Append a mapping of strings to the sequence at `path`, creating it if missing."""

    document: int
    path: tuple[Key, ...]
    item: tuple[tuple[str, str], ...]


Edit = SetValue | DeleteKey | AppendItem


def compose(text: str, filename: str) -> list[Node | None]:
    """The node tree of each document; raises YamlFileError naming the file and line."""
    try:
        return list(YAML(typ="rt").compose_all(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{filename}, line {mark.line + 1}" if mark is not None else filename
        raise YamlFileError(f"{where}: invalid YAML: {exc.problem or exc.context}") from exc
    except YAMLError as exc:
        raise YamlFileError(f"{filename}: invalid YAML: {exc}") from exc


def child(node: Node | None, key: Key) -> Node | None:
    if isinstance(key, int):
        if isinstance(node, SequenceNode) and 0 <= key < len(node.value):
            found: Node = node.value[key]
            return found
        return None
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return value_node  # type: ignore[no-any-return]
    return None


def find(node: Node | None, path: Sequence[Key]) -> Node | None:
    for key in path:
        node = child(node, key)
    return node


def scalar(node: Node | None) -> str | None:
    return node.value if isinstance(node, ScalarNode) and isinstance(node.value, str) else None


def apply_edits(text: str, edits: Sequence[Edit], filename: str) -> str:
    """The text with the edits made; the text itself when they change nothing."""
    documents = compose(text, filename)
    splices: list[tuple[int, int, str]] = []
    for edit in edits:
        doc = documents[edit.document] if edit.document < len(documents) else None
        node = find(doc, edit.path)
        if isinstance(edit, SetValue) and isinstance(node, ScalarNode):
            if node.value != edit.value or node.tag != "tag:yaml.org,2002:str":
                start, end = node.start_mark.index, node.end_mark.index
                splices.append((start, end, _render(edit.value, node.style)))
        elif isinstance(edit, DeleteKey) and node is None:
            continue
        else:
            return _rewrite(text, edits, filename)
    for start, end, rendered in sorted(splices, reverse=True):
        text = text[:start] + rendered + text[end:]
    return text


def _render(value: str, style: str | None) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style is None and _PLAIN_SAFE.match(value) and _reads_as_string(value):
        return value
    # A tag such as 1.10 would read back as the float 1.1, so it keeps or gains quotes.
    return json.dumps(value)


def _reads_as_string(value: str) -> bool:
    try:
        loaded = YAML(typ="safe", pure=True).load(f"k: {value}\n")
    except YAMLError:
        return False
    return isinstance(loaded, dict) and loaded.get("k") == value


def _rewrite(text: str, edits: Sequence[Edit], filename: str) -> str:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    mapping_indent, sequence_offset = _guess_indent(text)
    yaml.indent(
        mapping=mapping_indent, sequence=mapping_indent + sequence_offset, offset=sequence_offset
    )
    yaml.explicit_start = text.lstrip().startswith("---")
    try:
        documents: list[Any] = list(yaml.load_all(text))
    except YAMLError as exc:
        raise YamlFileError(f"{filename}: invalid YAML: {exc}") from exc
    for edit in edits:
        while len(documents) <= edit.document:
            documents.append(CommentedMap())
        if documents[edit.document] is None:
            documents[edit.document] = CommentedMap()
        _apply_to_data(documents, edit, filename)
    out = io.StringIO()
    yaml.dump_all(documents, out)
    return out.getvalue()


def _apply_to_data(documents: list[Any], edit: Edit, filename: str) -> None:
    parent: Any = documents
    path: tuple[Key, ...] = (edit.document, *edit.path)
    for index, key in enumerate(path[:-1]):
        nxt = _get(parent, key)
        if nxt is None:
            if isinstance(edit, DeleteKey):
                return
            nxt = CommentedMap()
            _put(parent, key, nxt, filename, path[: index + 1])
        parent = nxt
    last = path[-1]
    if isinstance(edit, SetValue):
        _put(parent, last, edit.value, filename, path)
    elif isinstance(edit, DeleteKey):
        if isinstance(parent, dict) and last in parent:
            del parent[last]
    else:
        seq = _get(parent, last)
        if seq is None:
            seq = CommentedSeq()
            _put(parent, last, seq, filename, path)
        if not isinstance(seq, list):
            raise YamlFileError(f"{filename}: {_dotted(edit.path)} is not a list")
        seq.append(CommentedMap(edit.item))


def _get(parent: Any, key: Key) -> Any:
    if isinstance(key, int):
        return parent[key] if isinstance(parent, list) and 0 <= key < len(parent) else None
    return parent.get(key) if isinstance(parent, dict) else None


def _put(parent: Any, key: Key, value: Any, filename: str, path: tuple[Key, ...]) -> None:
    in_list = isinstance(key, int) and isinstance(parent, list) and 0 <= key < len(parent)
    if in_list or (isinstance(key, str) and isinstance(parent, dict)):
        parent[key] = value
    else:
        raise YamlFileError(
            f"{filename}: cannot set {_dotted(path[1:])}: its parent is not a mapping"
        )


def _dotted(path: Sequence[Key]) -> str:
    return ".".join(str(key) for key in path)


def _guess_indent(text: str) -> tuple[int, int]:
    """The file's mapping indent and its sequence dash offset, so a rewrite looks the same."""
    mapping_indent = 2
    sequence_offset = 0
    lines = text.splitlines()
    for previous, line in itertools.pairwise(lines):
        stripped_prev = previous.rstrip()
        if not stripped_prev.endswith(":") or stripped_prev.lstrip().startswith("#"):
            continue
        outer = len(previous) - len(previous.lstrip())
        inner = len(line) - len(line.lstrip())
        if inner <= outer and not line.lstrip().startswith("- "):
            continue
        if line.lstrip().startswith("- "):
            sequence_offset = inner - outer
        elif inner > outer:
            mapping_indent = inner - outer
            break
    return mapping_indent, max(sequence_offset, 0)
