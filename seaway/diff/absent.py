"""The marker for a field an object does not have, and the zero values the API server drops."""

from __future__ import annotations

from typing import Any, Final


class _Absent:
    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"


# None cannot mark a missing field: desired objects may hold an explicit null.
ABSENT: Final[Any] = _Absent()


def is_zero(value: Any) -> bool:
    """True for values the API server omits when serializing (Go's omitempty), so that a desired
    `readOnly: false` or `annotations: {}` equals a live object that lacks the field."""
    if value is None or value is ABSENT:
        return True
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value == 0
    if isinstance(value, str | list):
        return len(value) == 0
    if isinstance(value, dict):
        return all(is_zero(v) for v in value.values())
    return False
