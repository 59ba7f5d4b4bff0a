"""Globs, cron checks and resource keys."""

from __future__ import annotations

import re

import pytest

from seaway.model import ResourceKey, glob_match
from seaway.model.cron import validate_cron


@pytest.mark.parametrize(
    ("pattern", "text", "separators", "matches"),
    [
        ("team-*", "team-a", "", True),
        ("team-*", "other", "", False),
        ("*", "a/b", "", True),
        ("*", "a/b", "/", False),
        ("**", "a/b", "/", True),
        ("a/*/c", "a/b/c", "/", True),
        ("a/*/c", "a/b/x/c", "/", False),
        ("a/**/c", "a/b/x/c", "/", True),
        ("?", "a", "", True),
        ("?", "ab", "", False),
        ("[a-c]x", "bx", "", True),
        ("[a-c]x", "dx", "", False),
        ("[!a-c]x", "dx", "", True),
        ("{dev,prod}-*", "prod-eu", "", True),
        ("{dev,prod}-*", "test-eu", "", False),
        ("a\\*b", "a*b", "", True),
        ("a\\*b", "axb", "", False),
        ("a.b", "axb", "", False),
        ("(x)+", "(x)+", "", True),
        # Patterns that do not compile match nothing, as in Argo CD.
        ("[abc", "[abc", "", False),
        ("{a,b", "a", "", False),
    ],
)
def test_glob_match(pattern: str, text: str, separators: str, matches: bool) -> None:
    assert glob_match(pattern, text, separators) is matches


@pytest.mark.parametrize(
    "schedule",
    [
        "10 1 * * *",
        "0 22 * * 1-5",
        "*/15 * * * *",
        "0 0 1,15 * *",
        "0 9 * jan-mar mon",
        "0 0 ? * SUN",
        "@daily",
        "@every 1h30m",
    ],
)
def test_valid_cron(schedule: str) -> None:
    validate_cron(schedule)


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("0 1 * *", "has 4"),
        ("60 * * * *", "minute 60 is outside 0-59"),
        ("0 0 0 * *", "day of month 0 is outside 1-31"),
        ("0 0 * 13 *", "month 13 is outside 1-12"),
        ("0 0 * * 7", "day of week 7 is outside 0-6"),
        ("0 0 * * fri-mon", "runs backwards"),
        ("*/0 * * * *", "step '0' is not a positive number"),
        ("x * * * *", "minute 'x' is not a number"),
        ("? * * * *", "minute '?' is not a number"),
        ("@fortnightly", "unknown schedule descriptor"),
        ("@every soon", "invalid duration"),
    ],
)
def test_invalid_cron(schedule: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_cron(schedule)


def test_resource_key_from_object() -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
    }
    key = ResourceKey.from_object(deployment)
    assert key == ResourceKey("apps", "Deployment", "shop", "web")
    assert str(key) == "apps/Deployment/shop/web"
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}}
    assert ResourceKey.from_object(service) == ResourceKey("", "Service", "", "web")


def test_resource_keys_ignore_the_version_and_sort() -> None:
    old = {"apiVersion": "apps/v1beta2", "kind": "Deployment", "metadata": {"name": "a"}}
    new = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"}}
    assert ResourceKey.from_object(old) == ResourceKey.from_object(new)
    keys = [ResourceKey("b", "K", "", "x"), ResourceKey("a", "K", "", "y")]
    assert sorted(keys)[0].group == "a"
