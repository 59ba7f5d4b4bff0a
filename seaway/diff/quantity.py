"""Kubernetes resource quantities and the scalar forms that mean the same value."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

_QUANTITY = re.compile(
    r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$"
)
_NUMBER = re.compile(r"^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")

_MULTIPLIERS: dict[str, Fraction] = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
}

# Maps whose values are quantities keyed by resource name (cpu, memory, storage, ...).
_QUANTITY_MAPS = frozenset({"limits", "requests", "hard", "used", "overhead", "capacity"})
# LimitRange items: spec.limits[i].max.cpu and friends.
_LIMIT_RANGE_MAPS = frozenset({"max", "min", "default", "defaultRequest", "maxLimitRequestRatio"})
_QUANTITY_FIELDS = frozenset({"sizeLimit"})


def parse_quantity(value: Any) -> Fraction | None:
    """The exact value of a quantity ("500m", "1Gi", "1e3", 0.5), or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        # Through str, so 0.1 means one tenth and not the nearest binary fraction.
        return Fraction(str(value))
    if not isinstance(value, str):
        return None
    match = _QUANTITY.match(value.strip())
    if match is None:
        return None
    number, exponent, suffix = match.groups()
    amount = Fraction(number)
    if exponent:
        amount *= Fraction(10) ** int(exponent[1:])
    if suffix:
        amount *= _MULTIPLIERS[suffix]
    return amount


def is_quantity_path(path: tuple[str | int, ...]) -> bool:
    if not path:
        return False
    if path[-1] in _QUANTITY_FIELDS:
        return True
    if len(path) >= 2 and path[-2] in _QUANTITY_MAPS:
        return True
    return (
        len(path) >= 4
        and path[-2] in _LIMIT_RANGE_MAPS
        and isinstance(path[-3], int)
        and path[-4] == "limits"
    )


def scalars_equal(desired: Any, live: Any, *, quantity: bool = False) -> bool:
    """Equal as the API server means them: 1 and 1.0, "3" and 3, and for quantities "1" and
    "1000m"; but never true and 1, which Python alone would call equal."""
    if isinstance(desired, bool) or isinstance(live, bool):
        return isinstance(desired, bool) and isinstance(live, bool) and desired == live
    same_kind = type(desired) is type(live) or (_is_number(desired) and _is_number(live))
    if same_kind and desired == live:
        return True
    if quantity:
        d, q = parse_quantity(desired), parse_quantity(live)
        if d is not None and q is not None:
            return d == q
    if _is_number(desired) and isinstance(live, str):
        return _number_text_equal(desired, live)
    if isinstance(desired, str) and _is_number(live):
        return _number_text_equal(live, desired)
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number_text_equal(number: int | float, text: str) -> bool:
    if _NUMBER.match(text) is None or not math.isfinite(number):
        return False
    return Fraction(text) == Fraction(str(number))
