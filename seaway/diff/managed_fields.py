"""Field ownership from live metadata.managedFields (server-side apply's fieldsV1 format).

A field set is a tree: "f:<name>" names a map field, "k:<json>" a list item by its key fields,
"v:<json>" a set item by its value, "i:<n>" a list item by index, and "." the node itself.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Collection, Mapping
from typing import Any

from seaway.diff.absent import ABSENT
from seaway.diff.merge_keys import matches_key

FieldSet = dict[str, Any]


def owned_fields(live: Mapping[str, Any], managers: Collection[str]) -> FieldSet | None:
    """The union of the fields the given managers own in `live`; None if they own nothing.

    Every operation counts (Apply and Update) and every subresource: a manager that changed a
    field by a patch owns it as much as one that applied it."""
    entries = (live.get("metadata") or {}).get("managedFields") or []
    union: FieldSet | None = None
    for entry in entries:
        if not isinstance(entry, Mapping) or entry.get("manager") not in managers:
            continue
        if entry.get("fieldsType", "FieldsV1") != "FieldsV1":
            continue
        fields = entry.get("fieldsV1")
        if isinstance(fields, Mapping):
            union = _union(union or {}, fields)
    return union


def _union(a: Mapping[str, Any], b: Mapping[str, Any]) -> FieldSet:
    out: FieldSet = dict(a)
    for key, child in b.items():
        mine = out.get(key)
        if isinstance(mine, Mapping) and isinstance(child, Mapping):
            out[key] = _union(mine, child)
        else:
            out[key] = dict(child) if isinstance(child, Mapping) else {}
    return out


def is_leaf(fields: Mapping[str, Any]) -> bool:
    return all(key == "." for key in fields)


def field_child(fields: FieldSet | None, name: str) -> FieldSet | None:
    if fields is None:
        return None
    child = fields.get(f"f:{name}")
    return child if isinstance(child, dict) else None


def item_child(fields: FieldSet | None, item: Any, index: int) -> tuple[str, FieldSet] | None:
    """The entry of a list's field set that owns `item` (at `index` in the live list)."""
    if fields is None:
        return None
    for entry, child in fields.items():
        if isinstance(child, dict) and entry_matches(entry, item, index):
            return entry, child
    return None


def entry_matches(entry: str, item: Any, index: int) -> bool:
    """Whether a list entry of a field set ("k:", "v:" or "i:") names `item`."""
    if entry.startswith("k:"):
        key = _json(entry[2:])
        return isinstance(key, Mapping) and matches_key(item, key)
    if entry.startswith("v:"):
        return bool(_json(entry[2:]) == item)
    return entry == f"i:{index}"


def project(value: Any, fields: FieldSet) -> Any:
    """The part of a live value that `fields` owns, ABSENT if it owns none of what is there."""
    if is_leaf(fields):
        return copy.deepcopy(value)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for name, child in value.items():
            owned = field_child(fields, name)
            if owned is not None:
                part = project(child, owned)
                if part is not ABSENT:
                    out[name] = part
        return out if out or "." in fields else ABSENT
    if isinstance(value, list):
        items = []
        for index, item in enumerate(value):
            found = item_child(fields, item, index)
            if found is not None:
                part = project(item, found[1])
                if part is not ABSENT:
                    items.append(part)
        return items if items or "." in fields else ABSENT
    return copy.deepcopy(value)


def adopt(desired: Any, live: Any, fields: FieldSet) -> Any:
    """`desired` with the live value of every field in `fields`: how fields owned by a manager
    the user trusts (managedFieldsManagers) stop counting as drift."""
    if is_leaf(fields) or not isinstance(live, dict | list):
        return copy.deepcopy(live)
    if isinstance(live, dict):
        out: dict[str, Any] = dict(desired) if isinstance(desired, dict) else {}
        for name, value in live.items():
            owned = field_child(fields, name)
            if owned is not None:
                out[name] = adopt(out.get(name, ABSENT), value, owned)
        return out
    items: list[Any] = list(desired) if isinstance(desired, list) else []
    for index, item in enumerate(live):
        found = item_child(fields, item, index)
        if found is None:
            continue
        entry, owned = found
        position = next(
            (i for i, mine in enumerate(items) if entry_matches(entry, mine, i)),
            None,
        )
        if position is None:
            items.append(adopt(ABSENT, item, owned))
        else:
            items[position] = adopt(items[position], item, owned)
    return items


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return ABSENT
