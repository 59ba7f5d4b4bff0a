"""Lists whose items Kubernetes identifies by a key (containers by name, ports by port and
protocol, ...), so that reordering them is no drift and each item is compared with its own
counterpart. Other lists are atomic and compared position by position."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Key = tuple[Any, ...]

# Field name -> candidate key fields, first fitting candidate wins. A field name is enough:
# across the built-in kinds each of these names keeps one meaning. The keys follow server-side
# apply's list-map keys, which are the strategic-merge keys plus protocol for ports.
LIST_KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "containers": (("name",),),
    "initContainers": (("name",),),
    "ephemeralContainers": (("name",),),
    "env": (("name",),),
    "volumes": (("name",),),
    "volumeMounts": (("mountPath",),),
    "volumeDevices": (("devicePath",),),
    "imagePullSecrets": (("name",),),
    "hostAliases": (("ip",),),
    # Container ports carry containerPort, Service ports carry port.
    "ports": (("containerPort", "protocol"), ("port", "protocol")),
    "topologySpreadConstraints": (("topologyKey", "whenUnsatisfiable"),),
    "readinessGates": (("conditionType",),),
    "schedulingGates": (("name",),),
    "resourceClaims": (("name",),),
    "ownerReferences": (("uid",),),
    "webhooks": (("name",),),
    "versions": (("name",),),
    "listeners": (("name",),),
}

# Key fields the API server fills in when the manifest leaves them out.
KEY_DEFAULTS: dict[str, Any] = {"protocol": "TCP"}


def key_fields(field: str | int | None, *lists: Sequence[Any]) -> tuple[str, ...] | None:
    """The key fields for the list at `field`, or None when it must be compared by position:
    unknown field, an item that is no object or lacks the key, or two items with one key."""
    if not isinstance(field, str):
        return None
    for candidate in LIST_KEYS.get(field, ()):
        if all(_keyable(items, candidate) for items in lists):
            return candidate
    return None


def item_key(item: Mapping[str, Any], fields: tuple[str, ...]) -> Key:
    return tuple(item.get(f, KEY_DEFAULTS.get(f)) for f in fields)


def matches_key(item: Any, key: Mapping[str, Any]) -> bool:
    """Whether `item` is the list item a managedFields "k:{...}" entry names."""
    if not isinstance(item, Mapping):
        return False
    return all(item.get(f, KEY_DEFAULTS.get(f)) == v for f, v in key.items())


def _keyable(items: Sequence[Any], fields: tuple[str, ...]) -> bool:
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, Mapping) or item.get(fields[0]) is None:
            return False
        # repr keeps unhashable key values (rare, but legal JSON) from breaking the check.
        key = repr(item_key(item, fields))
        if key in seen:
            return False
        seen.add(key)
    return True
