"""Scalars that mean the same to the API server, quantities, JSON pointers."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from seaway.diff import parse_quantity
from seaway.diff.pointer import format_pointer, parse_pointer, remove_path
from seaway.diff.quantity import is_quantity_path, scalars_equal


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", Fraction(1)),
        ("1000m", Fraction(1)),
        ("0.5", Fraction(1, 2)),
        ("500m", Fraction(1, 2)),
        (".5", Fraction(1, 2)),
        ("1Gi", Fraction(2**30)),
        ("1073741824", Fraction(2**30)),
        ("1024Mi", Fraction(2**30)),
        ("1k", Fraction(1000)),
        ("1e3", Fraction(1000)),
        ("1E3", Fraction(1000)),
        ("1E", Fraction(10**18)),
        ("100n", Fraction(1, 10**7)),
        ("-2", Fraction(-2)),
        (1, Fraction(1)),
        (0.1, Fraction(1, 10)),
        ("1.5Gi", Fraction(3 * 2**29)),
    ],
)
def test_quantities_parse_exactly(text: Any, value: Fraction) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "1Gb", "one", "1 Gi x", "Gi", True, None, [], float("nan")])
def test_non_quantities_are_none(text: Any) -> None:
    assert parse_quantity(text) is None


@pytest.mark.parametrize(
    ("desired", "live", "quantity", "equal"),
    [
        ("1", "1000m", True, True),
        (1, "1", True, True),
        ("1Gi", "1073741824", True, True),
        ("0.5", "500m", True, True),
        ("1", "1001m", True, False),
        ("1Gi", "1G", True, False),
        # Outside quantity fields a suffix is just text.
        ("1", "1000m", False, False),
        # Two strings are text: a tag "1.0" is not the tag "1".
        ("1.0", "1", False, False),
        (3, "3", False, True),
        ("3", 3, False, True),
        (3, 3.0, False, True),
        (3, "3x", False, False),
        ("v1.0", "v1", False, False),
        (True, 1, False, False),
        (1, True, False, False),
        (True, "true", False, False),
        (False, False, False, True),
        ("a", "a", False, True),
        ("a", "b", False, False),
    ],
)
def test_scalar_equivalence(desired: Any, live: Any, quantity: bool, equal: bool) -> None:
    assert scalars_equal(desired, live, quantity=quantity) is equal


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("spec", "containers", 0, "resources", "limits", "cpu"), True),
        (("spec", "containers", 0, "resources", "requests", "memory"), True),
        (("spec", "hard", "requests.cpu"), True),
        (("spec", "volumes", 0, "emptyDir", "sizeLimit"), True),
        (("spec", "limits", 0, "max", "cpu"), True),
        (("spec", "template", "spec", "containers", 0, "image"), False),
        (("spec", "max", "cpu"), False),
        ((), False),
    ],
)
def test_quantity_fields(path: tuple[str | int, ...], expected: bool) -> None:
    assert is_quantity_path(path) is expected


@pytest.mark.parametrize(
    ("pointer", "tokens"),
    [
        ("", ()),
        ("/spec/replicas", ("spec", "replicas")),
        ("/metadata/annotations/a~1b", ("metadata", "annotations", "a/b")),
        ("/x/~01", ("x", "~1")),
        ("/a/", ("a", "")),
    ],
)
def test_pointers_round_trip(pointer: str, tokens: tuple[str, ...]) -> None:
    assert parse_pointer(pointer) == tokens
    assert format_pointer(tokens) == pointer


def test_pointer_must_start_with_slash() -> None:
    with pytest.raises(ValueError, match="must be empty or start with '/'"):
        parse_pointer("spec/replicas")


@pytest.mark.parametrize(
    ("path", "after"),
    [
        (("a", "b"), {"a": {}, "l": [1, 2, 3]}),
        (("l", "1"), {"a": {"b": 1}, "l": [1, 3]}),
        (("l", 0), {"a": {"b": 1}, "l": [2, 3]}),
        (("l", "9"), {"a": {"b": 1}, "l": [1, 2, 3]}),
        (("l", "x"), {"a": {"b": 1}, "l": [1, 2, 3]}),
        (("missing", "b"), {"a": {"b": 1}, "l": [1, 2, 3]}),
        (("a", "b", "c"), {"a": {"b": 1}, "l": [1, 2, 3]}),
    ],
)
def test_remove_path(path: tuple[str | int, ...], after: dict[str, Any]) -> None:
    obj: dict[str, Any] = {"a": {"b": 1}, "l": [1, 2, 3]}
    remove_path(obj, path)
    assert obj == after
