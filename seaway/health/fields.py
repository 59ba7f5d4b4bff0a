"""Reading a live object as the API server returns it: nested mappings, lists and scalars.

The checks read fields that may be absent (no status yet, a field the server omits when it is
zero) or, in hand-written or foreign objects, of the wrong type. Absent fields read as their
zero value, like the Go structs Kubernetes decodes into; a field of the wrong type raises
MalformedObjectError naming the field, so that `assess` can say which field it could not read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Obj = Mapping[str, Any]


class MalformedObjectError(ValueError):
    def __init__(self, path: Sequence[str], expected: str, got: object) -> None:
        self.path = ".".join(path)
        super().__init__(f"field {self.path}: expected {expected}, got {got!r}")


def _walk(obj: Obj, path: Sequence[str]) -> Any:
    node: Any = obj
    for depth, key in enumerate(path):
        if node is None:
            return None
        if not isinstance(node, Mapping):
            raise MalformedObjectError(path[:depth], "an object", node)
        node = node.get(key)
    return node


def value(obj: Obj, *path: str) -> Any:
    """The raw value at `path`, or None when any step of it is absent."""
    return _walk(obj, path)


def integer(obj: Obj, *path: str, default: int = 0) -> int:
    found = _walk(obj, path)
    if found is None:
        return default
    # bool is an int in Python but never a count in Kubernetes.
    if isinstance(found, bool):
        raise MalformedObjectError(path, "an integer", found)
    if isinstance(found, int):
        return found
    if isinstance(found, float) and found.is_integer():
        return int(found)
    raise MalformedObjectError(path, "an integer", found)


def string(obj: Obj, *path: str, default: str = "") -> str:
    found = _walk(obj, path)
    if found is None:
        return default
    if not isinstance(found, str):
        raise MalformedObjectError(path, "a string", found)
    return found


def boolean(obj: Obj, *path: str) -> bool:
    found = _walk(obj, path)
    if found is None:
        return False
    if not isinstance(found, bool):
        raise MalformedObjectError(path, "true or false", found)
    return found


def mapping(obj: Obj, *path: str) -> Obj:
    found = _walk(obj, path)
    if found is None:
        return {}
    if not isinstance(found, Mapping):
        raise MalformedObjectError(path, "an object", found)
    return found


def objects(obj: Obj, *path: str) -> list[Obj]:
    """A list of objects, such as status.conditions or status.containerStatuses."""
    found = _walk(obj, path)
    if found is None:
        return []
    if isinstance(found, str | bytes) or not isinstance(found, Sequence):
        raise MalformedObjectError(path, "a list", found)
    for index, item in enumerate(found):
        if not isinstance(item, Mapping):
            raise MalformedObjectError([*path, str(index)], "an object", item)
    return list(found)


def count(obj: Obj, *path: str) -> int:
    """How many items a list holds; an absent list holds none."""
    found = _walk(obj, path)
    if found is None:
        return 0
    if isinstance(found, str | bytes) or not isinstance(found, Sequence):
        raise MalformedObjectError(path, "a list", found)
    return len(found)


@dataclass(frozen=True)
class Condition:
    type: str
    status: str
    reason: str
    message: str
    # Set by controllers that follow the API conventions; None when the condition does not say.
    observed_generation: int | None

    @property
    def true(self) -> bool:
        return self.status == "True"

    @property
    def false(self) -> bool:
        return self.status == "False"

    def describe(self) -> str:
        """`reason: message`, leaving out whichever part is empty."""
        return ": ".join(part for part in (self.reason, self.message) if part)


def conditions(obj: Obj, *path: str) -> list[Condition]:
    """The conditions at `path` (status.conditions by default), in the order the server lists."""
    where = path or ("status", "conditions")
    found = []
    for index, raw in enumerate(objects(obj, *where)):
        kind = string(raw, "type")
        if not kind:
            raise MalformedObjectError([*where, str(index), "type"], "a condition type", kind)
        observed = raw.get("observedGeneration")
        found.append(
            Condition(
                type=kind,
                status=string(raw, "status"),
                reason=string(raw, "reason"),
                message=string(raw, "message"),
                observed_generation=None
                if observed is None
                else integer(raw, "observedGeneration"),
            )
        )
    return found


def condition(obj: Obj, kind: str) -> Condition | None:
    """The status condition of type `kind`, or None when the object does not report it."""
    for each in conditions(obj):
        if each.type == kind:
            return each
    return None


def generation(obj: Obj) -> int:
    return integer(obj, "metadata", "generation")


def observed_generation(obj: Obj) -> int:
    return integer(obj, "status", "observedGeneration")


def name(obj: Obj) -> str:
    return string(obj, "metadata", "name")


def annotation(obj: Obj, key: str) -> str | None:
    annotations = mapping(obj, "metadata", "annotations")
    found = annotations.get(key)
    return found if isinstance(found, str) else None


def group_of(api_version: str) -> str:
    """The API group of an apiVersion: "apps/v1" is in "apps", "v1" in the core group ""."""
    return api_version.rpartition("/")[0]
