"""ignoreDifferences: the drift a user has chosen not to see, in Argo CD's terms."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# jq ships no type information; its two calls used here are wrapped and typed below.
import jq

from seaway.diff.managed_fields import adopt, owned_fields
from seaway.diff.pointer import parse_pointer, remove_path
from seaway.model.keys import ResourceKey

_ARGO_FIELDS = {
    "group": "group",
    "kind": "kind",
    "name": "name",
    "namespace": "namespace",
    "jsonPointers": "json_pointers",
    "jqPathExpressions": "jq_path_expressions",
    "managedFieldsManagers": "managed_fields_managers",
}
_LISTS = ("json_pointers", "jq_path_expressions", "managed_fields_managers")


@dataclass(frozen=True)
class IgnoreRule:
    """One spec.ignoreDifferences[] entry. group, kind, name and namespace select objects: empty
    or "*" matches any, and "*" inside a value matches any run of characters."""

    # "*" (any group) by default for rules built in code; `from_argo` reads a missing group as
    # "" (the core group only), as Argo CD does.
    group: str = "*"
    kind: str = ""
    name: str = ""
    namespace: str = ""
    json_pointers: tuple[str, ...] = ()
    jq_path_expressions: tuple[str, ...] = ()
    managed_fields_managers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in _LISTS:
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise TypeError(f"IgnoreRule.{name} must be a sequence of strings, not {value!r}")
            # Lists from YAML become tuples, so the rule stays hashable like a frozen value.
            object.__setattr__(self, name, tuple(str(v) for v in value))
        for pointer in self.json_pointers:
            parse_pointer(pointer)
        for expression in self.jq_path_expressions:
            _path_program(expression)

    @classmethod
    def from_argo(cls, entry: Mapping[str, Any]) -> IgnoreRule:
        """A rule from Argo CD's camelCase form, as in an Application's spec.ignoreDifferences."""
        unknown = sorted(set(entry) - set(_ARGO_FIELDS))
        if unknown:
            raise ValueError(
                f"ignoreDifferences entry has unknown field(s) {', '.join(unknown)}; "
                f"known: {', '.join(_ARGO_FIELDS)}"
            )
        values: dict[str, Any] = {"group": ""}
        for argo_name, name in _ARGO_FIELDS.items():
            value = entry.get(argo_name)
            if value is None:
                continue
            if name in _LISTS:
                if not isinstance(value, list | tuple):
                    raise ValueError(f"ignoreDifferences.{argo_name} must be a list")
                values[name] = tuple(value)
            else:
                values[name] = str(value)
        return cls(**values)

    def matches(self, key: ResourceKey) -> bool:
        return (
            # As in Argo CD, an empty group is the core group ("" ), not any group; "*" is any.
            (self.group == key.group or (self.group != "" and _glob(self.group, key.group)))
            and _glob(self.kind, key.kind)
            and _glob(self.name, key.name)
            and _glob(self.namespace, key.namespace)
        )


def rules_from_argo(entries: Iterable[Mapping[str, Any]] | None) -> tuple[IgnoreRule, ...]:
    return tuple(IgnoreRule.from_argo(e) for e in entries or ())


def apply_rules(
    rules: Sequence[IgnoreRule],
    key: ResourceKey,
    desired: dict[str, Any] | None,
    live: dict[str, Any] | None,
    live_raw: Mapping[str, Any] | None,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Apply every rule that selects `key`: trusted managers' fields first (they need the live
    value), then the removals from both sides."""
    chosen = [r for r in rules if r.matches(key)]
    managers = {m for r in chosen for m in r.managed_fields_managers}
    if managers and desired is not None and live is not None and live_raw is not None:
        trusted = owned_fields(live_raw, managers)
        if trusted is not None:
            desired = adopt(desired, live, trusted)
    for side in (desired, live):
        if side is None:
            continue
        for rule in chosen:
            for pointer in rule.json_pointers:
                remove_path(side, parse_pointer(pointer))
            for expression in rule.jq_path_expressions:
                for path in _jq_paths(expression, side):
                    remove_path(side, path)
    return desired, live


def _jq_paths(expression: str, obj: dict[str, Any]) -> list[tuple[str | int, ...]]:
    found: list[Any] = []
    try:
        for path in _path_program(expression).input_text(json.dumps(obj, default=str)):
            found.append(path)
    except ValueError:
        # A runtime error means the expression does not fit this object from here on (say it
        # iterates a field the object lacks): what it selected before still counts.
        pass
    paths = [
        tuple(path)
        for path in found
        if isinstance(path, list) and all(isinstance(s, str | int) for s in path)
    ]
    # Highest index first, so deleting one list item leaves the other paths valid.
    return sorted(paths, key=_path_order, reverse=True)


def _path_order(path: tuple[str | int, ...]) -> tuple[tuple[int, int, str], ...]:
    return tuple((1, s, "") if isinstance(s, int) else (0, 0, s) for s in path)


@lru_cache(maxsize=256)
def _path_program(expression: str) -> Any:
    try:
        return jq.compile(f"path({expression})")
    except ValueError as error:
        raise ValueError(f"jqPathExpressions: cannot compile {expression!r}: {error}") from None


@lru_cache(maxsize=256)
def _glob_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(p) for p in pattern.split("*")) + "$")


def _glob(pattern: str, value: str) -> bool:
    if pattern in ("", "*"):
        return True
    return _glob_pattern(pattern).match(value) is not None


__all__ = ["IgnoreRule", "apply_rules", "rules_from_argo"]
