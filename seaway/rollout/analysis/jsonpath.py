"""The JSONPath subset web metrics use: Kubernetes-style `{$.data.items[0].value}`.

Supported: `$` (the whole document), `.name`, `['name']` / `["name"]`, `[index]` (negative
counts from the end), `[*]` and `.*`. A path that selects one value gives that value; one that
fans out (`[*]`) gives the list of what it found. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_\-$]*")
_INDEX = re.compile(r"\[\s*(-?\d+|\*|'[^']*'|\"[^\"]*\")\s*\]")


class JsonPathError(ValueError):
    pass


@dataclass(frozen=True)
class JsonPath:
    text: str
    # Each step is a key (str), an index (int) or None for "every element".
    steps: tuple[str | int | None, ...]

    @property
    def fans_out(self) -> bool:
        return None in self.steps


def parse_jsonpath(text: str) -> JsonPath:
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1].strip()
    if body.startswith("$"):
        body = body[1:]
    steps: list[str | int | None] = []
    position = 0
    while position < len(body):
        if body.startswith(".*", position):
            steps.append(None)
            position += 2
        elif body[position] == ".":
            match = _NAME.match(body, position + 1)
            if match is None:
                raise JsonPathError(f"{text!r}: expected a name after '.' at {position + 1}")
            steps.append(match.group(0))
            position = match.end()
        elif body[position] == "[":
            match = _INDEX.match(body, position)
            if match is None:
                raise JsonPathError(f"{text!r}: unsupported selector at {position}")
            selector = match.group(1)
            if selector == "*":
                steps.append(None)
            elif selector[0] in "'\"":
                steps.append(selector[1:-1])
            else:
                steps.append(int(selector))
            position = match.end()
        else:
            raise JsonPathError(f"{text!r}: unexpected {body[position]!r} at {position}")
    return JsonPath(text, tuple(steps))


def find(path: JsonPath, document: Any) -> Any:
    """What `path` selects in `document`; JsonPathError when it is not there."""
    current: list[Any] = [document]
    for step in path.steps:
        found: list[Any] = []
        for value in current:
            found.extend(_step(path, step, value))
        current = found
    if path.fans_out:
        return current
    return current[0]


def _step(path: JsonPath, step: str | int | None, value: Any) -> list[Any]:
    if step is None:
        if isinstance(value, dict):
            return list(value.values())
        if isinstance(value, list):
            return list(value)
        raise JsonPathError(f"{path.text}: [*] needs an array or an object")
    if isinstance(step, int):
        if not isinstance(value, list):
            raise JsonPathError(f"{path.text}: [{step}] needs an array")
        if not -len(value) <= step < len(value):
            raise JsonPathError(f"{path.text}: index {step} is out of range")
        return [value[step]]
    if not isinstance(value, dict) or step not in value:
        raise JsonPathError(f"{path.text}: {step} is not found")
    return [value[step]]
