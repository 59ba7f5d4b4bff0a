"""Sealing keys for the tests: 2048-bit, for speed; made once per session."""

from __future__ import annotations

from typing import Any

import pytest

from seaway.secrets import SealingKey, generate_sealing_key

TEST_KEY_BITS = 2048
# The value every test seals; no output or error may ever contain it.
PLAINTEXT = "correct-horse-battery-staple-7f3a9c"


@pytest.fixture(scope="session")
def key() -> SealingKey:
    return generate_sealing_key(TEST_KEY_BITS)


@pytest.fixture(scope="session")
def other_key() -> SealingKey:
    return generate_sealing_key(TEST_KEY_BITS)


def secret_manifest(
    name: str = "db",
    namespace: str = "shop",
    annotations: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "labels": {"app": "shop-db"},
    }
    if annotations is not None:
        metadata["annotations"] = annotations
    manifest: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "type": "Opaque",
        "stringData": {"password": PLAINTEXT},
        "data": {"username": "YWRtaW4="},
    }
    manifest.update(extra)
    return manifest
