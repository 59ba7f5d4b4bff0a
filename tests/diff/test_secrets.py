"""Secrets: values never leave the diff, changes of them still do."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from seaway.diff import CHANGED_MASK, MASK, IgnoreRule, diff
from seaway.diff.normalize import LAST_APPLIED


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def secret(**fields: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "shop"},
        **fields,
    }


def live_secret(data: dict[str, str]) -> dict[str, Any]:
    obj = secret(type="Opaque", data=data)
    obj["metadata"].update(
        uid="0c6d",
        resourceVersion="77",
        # kubectl's copy of the manifest holds the value in plain text.
        annotations={LAST_APPLIED: '{"stringData":{"password":"s3cret-value"}}'},
    )
    return obj


PLAIN = ("s3cret-value", "other-value", b64("s3cret-value"), b64("other-value"), "user-x")


@pytest.mark.parametrize(
    ("desired", "live", "changes"),
    [
        (
            secret(stringData={"password": "s3cret-value"}),
            live_secret({"password": b64("s3cret-value")}),
            [],
        ),
        (
            secret(data={"password": b64("s3cret-value")}),
            live_secret({"password": b64("s3cret-value")}),
            [],
        ),
        # Line breaks in base64 (a YAML block scalar) decode to the same bytes.
        (
            secret(data={"password": b64("s3cret-value")[:8] + "\n" + b64("s3cret-value")[8:]}),
            live_secret({"password": b64("s3cret-value")}),
            [],
        ),
        (
            secret(stringData={"password": "other-value"}),
            live_secret({"password": b64("s3cret-value")}),
            [("/data/password", CHANGED_MASK, MASK)],
        ),
        (
            secret(data={"password": b64("other-value")}),
            live_secret({"password": b64("s3cret-value")}),
            [("/data/password", CHANGED_MASK, MASK)],
        ),
        # stringData wins over data for the same key, as the API server has it.
        (
            secret(data={"password": b64("other-value")}, stringData={"password": "s3cret-value"}),
            live_secret({"password": b64("s3cret-value")}),
            [],
        ),
        (
            secret(stringData={"password": "s3cret-value", "user": "user-x"}),
            live_secret({"password": b64("s3cret-value")}),
            [("/data/user", MASK, None)],
        ),
        (
            secret(stringData={"password": "s3cret-value"}),
            live_secret({"password": b64("s3cret-value"), "user": b64("user-x")}),
            [],
        ),
    ],
)
def test_secret_values_compare_but_never_show(
    desired: dict[str, Any], live: dict[str, Any], changes: list[tuple[str, Any, Any]]
) -> None:
    result = diff(desired, live)

    assert [(c.path, c.desired, c.live) for c in result.changes] == changes
    assert result.modified is bool(changes)
    shown = result.text() + repr(result)
    for plain in PLAIN:
        assert plain not in shown


def test_a_removed_key_seaway_owned_shows_masked() -> None:
    live = live_secret({"password": b64("s3cret-value"), "user": b64("user-x")})
    live["metadata"]["managedFields"] = [
        {
            "manager": "seaway",
            "operation": "Apply",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {"f:password": {}, "f:user": {}}},
        }
    ]
    result = diff(secret(data={"password": b64("s3cret-value")}), live)
    assert [(c.path, c.desired, c.live) for c in result.changes] == [("/data/user", None, MASK)]


def test_text_marks_the_changed_key() -> None:
    result = diff(
        secret(stringData={"password": "other-value", "user": "user-x"}),
        live_secret({"password": b64("s3cret-value"), "user": b64("user-x")}),
    )
    text = result.text()
    assert f"-  password: {MASK}\n" in text
    assert f"+  password: {CHANGED_MASK}\n" in text
    assert "user:" in text
    assert "user-x" not in text


@pytest.mark.parametrize(
    ("desired", "live"),
    [
        (secret(stringData={"password": "s3cret-value"}), None),
        (None, live_secret({"password": b64("s3cret-value")})),
    ],
)
def test_a_secret_to_create_or_prune_is_masked_too(
    desired: dict[str, Any] | None, live: dict[str, Any] | None
) -> None:
    result = diff(desired, live)
    assert result.modified
    shown = result.text() + repr(result)
    assert MASK in shown
    for plain in PLAIN:
        assert plain not in shown


def test_ignore_rules_still_apply_to_secrets() -> None:
    result = diff(
        secret(stringData={"password": "other-value"}),
        live_secret({"password": b64("s3cret-value")}),
        ignore=[IgnoreRule(kind="Secret", json_pointers=("/data/password",))],
    )
    assert not result.modified


def test_a_secret_in_another_group_is_not_masked() -> None:
    obj = {
        "apiVersion": "example.com/v1",
        "kind": "Secret",
        "metadata": {"name": "x"},
        "data": {"a": "visible"},
    }
    result = diff(obj, None)
    assert "visible" in result.text()
