"""JSON pointers (RFC 6901): how changes name their field and how jsonPointers name what to
ignore."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Path = tuple[str | int, ...]


def parse_pointer(pointer: str) -> tuple[str, ...]:
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer {pointer!r} must be empty or start with '/'")
    # The order matters: "~01" is the token "~1", not "/".
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/"))


def format_pointer(path: Sequence[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def remove_path(obj: Any, path: Sequence[str | int]) -> None:
    """Delete the field at `path` in place; a path that leads nowhere is not an error, because
    one rule serves objects that may or may not have the field."""
    if not path:
        return
    parent = obj
    for token in path[:-1]:
        parent = _step(parent, token)
        if parent is None:
            return
    last = path[-1]
    if isinstance(parent, dict):
        parent.pop(str(last), None)
    elif isinstance(parent, list):
        index = _index(last)
        if index is not None and index < len(parent):
            del parent[index]


def _step(node: Any, token: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(str(token))
    if isinstance(node, list):
        index = _index(token)
        return node[index] if index is not None and index < len(node) else None
    return None


def _index(token: str | int) -> int | None:
    if isinstance(token, int):
        return token if token >= 0 else None
    return int(token) if token.isdigit() else None
