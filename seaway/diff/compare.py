"""The field-by-field comparison of a normalized desired object with its live object.

The rules, each the answer to one way a naive comparison cries wolf or misses drift:
- Only what desired sets is compared: whatever else live holds came from server defaults,
  controllers or admission and is no drift.
- Except a field `manager` owns in live that desired no longer sets: server-side apply will
  remove it, so it is drift (a label or env var deleted in Git).
- And except items of a keyed list (containers, env, ports, ...) when desired sets the list:
  the item set is part of what desired says, so an item someone else added is drift.
- Atomic lists (no key) are compared position by position and must have the same length.
- Zero values (false, 0, "", {}, [], null) equal an absent field: the server drops them.
- Scalars compare as the server means them (see quantity.scalars_equal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from seaway.diff.absent import ABSENT, is_zero
from seaway.diff.managed_fields import FieldSet, field_child, item_child, project
from seaway.diff.merge_keys import item_key, key_fields
from seaway.diff.pointer import Path, format_pointer
from seaway.diff.quantity import is_quantity_path, scalars_equal
from seaway.diff.result import FieldChange


@dataclass
class Comparison:
    """`desired` and `live` are the two sides reduced to what was compared, with equivalent
    values written alike, so that a text diff of them shows exactly the changes."""

    desired: dict[str, Any]
    live: dict[str, Any]
    changes: list[FieldChange] = field(default_factory=list)


def compare(desired: dict[str, Any], live: dict[str, Any], owned: FieldSet | None) -> Comparison:
    walk = _Walk()
    nd, nl = walk.node(desired, live, (), owned)
    return Comparison(
        desired=nd if isinstance(nd, dict) else {},
        live=nl if isinstance(nl, dict) else {},
        changes=walk.changes,
    )


class _Walk:
    def __init__(self) -> None:
        self.changes: list[FieldChange] = []

    def change(self, path: Path, desired: Any, live: Any) -> None:
        self.changes.append(
            FieldChange(
                format_pointer(path),
                None if desired is ABSENT else desired,
                None if live is ABSENT else live,
            )
        )

    def node(self, want: Any, have: Any, path: Path, owned: FieldSet | None) -> tuple[Any, Any]:
        if want is None:
            want = ABSENT
        if have is None:
            have = ABSENT
        if want is ABSENT:
            return self.unset(have, path, owned)
        if have is ABSENT:
            if is_zero(want):
                return ABSENT, ABSENT
            self.change(path, want, ABSENT)
            return want, ABSENT
        if isinstance(want, dict) and isinstance(have, dict):
            return self.mapping(want, have, path, owned)
        if isinstance(want, list) and isinstance(have, list):
            return self.sequence(want, have, path, owned)
        if isinstance(want, dict | list) or isinstance(have, dict | list):
            self.change(path, want, have)
            return want, have
        if scalars_equal(want, have, quantity=is_quantity_path(path)):
            # Written as desired writes it, so text() shows no change where there is none.
            return want, want
        self.change(path, want, have)
        return want, have

    def unset(self, have: Any, path: Path, owned: FieldSet | None) -> tuple[Any, Any]:
        if have is ABSENT or owned is None:
            return ABSENT, ABSENT
        mine = project(have, owned)
        if mine is ABSENT:
            return ABSENT, ABSENT
        self.change(path, ABSENT, mine)
        return ABSENT, mine

    def mapping(
        self, want: dict[str, Any], have: dict[str, Any], path: Path, owned: FieldSet | None
    ) -> tuple[Any, Any]:
        nd: dict[str, Any] = {}
        nl: dict[str, Any] = {}
        for name, value in want.items():
            a, b = self.node(value, have.get(name, ABSENT), (*path, name), field_child(owned, name))
            self._put(nd, name, a)
            self._put(nl, name, b)
        for name, value in have.items():
            if name not in want:
                _, b = self.node(ABSENT, value, (*path, name), field_child(owned, name))
                self._put(nl, name, b)
        return nd, nl

    def sequence(
        self, want: list[Any], have: list[Any], path: Path, owned: FieldSet | None
    ) -> tuple[Any, Any]:
        keys = key_fields(path[-1] if path else None, want, have)
        if keys is None:
            return self.atomic(want, have, path)
        live_at = {repr(item_key(item, keys)): i for i, item in enumerate(have)}
        nd: list[Any] = []
        nl: list[Any] = []
        matched: set[int] = set()
        for i, item in enumerate(want):
            j = live_at.get(repr(item_key(item, keys)))
            if j is None:
                self.change((*path, i), item, ABSENT)
                nd.append(item)
                continue
            matched.add(j)
            found = item_child(owned, have[j], j)
            a, b = self.node(item, have[j], (*path, i), found[1] if found else None)
            nd.append(a)
            nl.append(b)
        for j, item in enumerate(have):
            if j not in matched:
                self.change((*path, j), ABSENT, item)
                nl.append(item)
        return nd, nl

    def atomic(self, want: list[Any], have: list[Any], path: Path) -> tuple[Any, Any]:
        nd: list[Any] = []
        nl: list[Any] = []
        for i in range(max(len(want), len(have))):
            if i >= len(have):
                self.change((*path, i), want[i], ABSENT)
                nd.append(want[i])
            elif i >= len(want):
                self.change((*path, i), ABSENT, have[i])
                nl.append(have[i])
            else:
                # No ownership below an atomic list: managedFields records it as one leaf.
                a, b = self.node(want[i], have[i], (*path, i), None)
                # Keep positions aligned: a null item stays a null item.
                nd.append(None if a is ABSENT else a)
                nl.append(None if b is ABSENT else b)
        return nd, nl

    @staticmethod
    def _put(target: dict[str, Any], name: str, value: Any) -> None:
        if value is not ABSENT:
            target[name] = value
