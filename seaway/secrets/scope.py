"""Sealing scopes: how far a sealed secret may move and still be opened.

The scope is bound into the ciphertext as the RSA-OAEP label, so it is enforced by the
cryptography rather than by a check that could be skipped: a value sealed for "ns/name" does
not open under any other label.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

ANNOTATION_PREFIX = "sealedsecrets.bitnami.com/"
NAMESPACE_WIDE_ANNOTATION = ANNOTATION_PREFIX + "namespace-wide"
CLUSTER_WIDE_ANNOTATION = ANNOTATION_PREFIX + "cluster-wide"


class Scope(StrEnum):
    # Pinned to one namespace and one name: the default.
    STRICT = "strict"
    # Opens under any name in its namespace.
    NAMESPACE_WIDE = "namespace-wide"
    # Opens under any name in any namespace.
    CLUSTER_WIDE = "cluster-wide"


def scope_from_annotations(annotations: Mapping[str, str] | None) -> Scope:
    """kubeseal's rule: cluster-wide wins over namespace-wide; only the exact value "true"."""
    annotations = annotations or {}
    if annotations.get(CLUSTER_WIDE_ANNOTATION) == "true":
        return Scope.CLUSTER_WIDE
    if annotations.get(NAMESPACE_WIDE_ANNOTATION) == "true":
        return Scope.NAMESPACE_WIDE
    return Scope.STRICT


def with_scope_annotations(annotations: Mapping[str, str] | None, scope: Scope) -> dict[str, str]:
    """`annotations` with exactly the scope annotations that say `scope`."""
    updated = {
        key: value
        for key, value in (annotations or {}).items()
        if key not in (NAMESPACE_WIDE_ANNOTATION, CLUSTER_WIDE_ANNOTATION)
    }
    if scope is Scope.NAMESPACE_WIDE:
        updated[NAMESPACE_WIDE_ANNOTATION] = "true"
    elif scope is Scope.CLUSTER_WIDE:
        updated[CLUSTER_WIDE_ANNOTATION] = "true"
    return updated


def encryption_label(namespace: str, name: str, scope: Scope) -> bytes:
    """The RSA-OAEP label kubeseal binds a value to."""
    if scope is Scope.CLUSTER_WIDE:
        return b""
    if scope is Scope.NAMESPACE_WIDE:
        return namespace.encode()
    return f"{namespace}/{name}".encode()
