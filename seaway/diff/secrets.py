"""Secrets never show their values in a diff: values are replaced by a mask before comparing,
and the mask itself tells whether the value changed."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from seaway.diff.keys import group_of

MASK = "++++++++"
CHANGED_MASK = "++++++++ (changed)"


def is_secret(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and obj.get("kind") == "Secret"
        and group_of(str(obj.get("apiVersion", ""))) == ""
    )


def fold_string_data(desired: dict[str, Any]) -> dict[str, Any]:
    """stringData is write-only: the API server merges it into data (stringData wins) and never
    returns it, so desired must be compared in the form live has."""
    string_data = desired.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = desired.get("data")
        data = dict(data) if isinstance(data, dict) else {}
        for key, value in string_data.items():
            text = "" if value is None else str(value)
            data[key] = base64.b64encode(text.encode()).decode()
        desired["data"] = data
    return desired


def mask(desired: dict[str, Any] | None, live: dict[str, Any] | None) -> None:
    """Replace every data value in place. Equal values get the same mask on both sides, a
    changed value gets CHANGED_MASK in desired, so the comparison still sees the change."""
    desired_data = _data(desired)
    live_data = _data(live)
    for key in set(desired_data or {}) | set(live_data or {}):
        if desired_data is not None and key in desired_data:
            changed = (
                live_data is not None
                and key in live_data
                and _bytes(desired_data[key]) != _bytes(live_data[key])
            )
            desired_data[key] = CHANGED_MASK if changed else MASK
        if live_data is not None and key in live_data:
            live_data[key] = MASK
    # A live object may still carry stringData (a backend that keeps it as applied): never shown.
    for obj in (desired, live):
        if obj is not None and isinstance(obj.get("stringData"), dict):
            obj["stringData"] = dict.fromkeys(obj["stringData"], MASK)


def _data(obj: dict[str, Any] | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    data = obj.get("data")
    return data if isinstance(data, dict) else None


def _bytes(value: Any) -> bytes:
    text = "" if value is None else str(value)
    # The API server's base64 decoder skips line breaks, which YAML block scalars bring in.
    compact = "".join(text.split())
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return text.encode()
