"""Seal a Secret into a SealedSecret, open one back into a Secret, reseal with a newer key.

In kubeseal's format (bitnami.com/v1alpha1, one encrypted value per key in encryptedData), so
SealedSecrets move freely between Seaway, kubeseal and the sealed-secrets controller.

Where a value may be opened is decided when it is sealed, by the RSA-OAEP label. Opening
derives that label only from the SealedSecret's own namespace, name and scope annotations, the
way the controller does: nothing in the template, and nothing the caller passes, can make a
value open somewhere it was not sealed for.
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from seaway.secrets.errors import ManifestError, UnsealError
from seaway.secrets.hybrid import hybrid_decrypt, hybrid_encrypt, unwrap_session_key
from seaway.secrets.keys import SealingKey
from seaway.secrets.manifests import (
    SEALED_API_VERSION,
    SEALED_KIND,
    SealedSecretManifest,
    SecretManifest,
    describe,
    metadata_dict,
    parse_manifest,
)
from seaway.secrets.scope import (
    ANNOTATION_PREFIX,
    Scope,
    encryption_label,
    scope_from_annotations,
    with_scope_annotations,
)

# Annotations that tools put a whole copy of the object in, values included: sealing them into
# the template would publish the secret in clear.
LAST_APPLIED_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "kubecfg.ksonnet.io/last-applied-configuration",
)
# What the API server writes about an object it holds; meaningless on a new object.
_SERVER_METADATA = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
    "managedFields",
    "ownerReferences",
)
SKIP_OWNER_REFERENCES_ANNOTATION = ANNOTATION_PREFIX + "skip-set-owner-references"


def seal(
    secret: Mapping[str, Any],
    public_key: RSAPublicKey,
    scope: Scope | None = None,
    *,
    allow_empty_data: bool = False,
) -> dict[str, Any]:
    """A SealedSecret holding every value of `secret` (data and stringData), each sealed alone.

    `scope` None takes the scope from the Secret's annotations, as kubeseal does without
    --scope; a given scope replaces those annotations (narrowing included).
    """
    manifest = parse_manifest(SecretManifest, secret, "Secret")
    where = describe("Secret", secret)
    meta = manifest.metadata
    if not meta.name:
        raise ManifestError(f"{where}: metadata.name: required")

    values: dict[str, bytes] = {}
    for key, encoded in manifest.data.items():
        values[key] = _b64decode(encoded, f"{where}: data.{key}: not valid base64")
    # stringData wins over data, as the API server merges them.
    for key, text in manifest.string_data.items():
        values[key] = text.encode()
    if not values and not allow_empty_data:
        raise ManifestError(f"{where}: has no data or stringData: nothing to seal")

    annotations = dict(meta.annotations)
    if scope is not None:
        annotations = with_scope_annotations(annotations, scope)
    effective = scope_from_annotations(annotations)
    if effective is not Scope.CLUSTER_WIDE and not meta.namespace:
        raise ManifestError(
            f"{where}: metadata.namespace: required to seal {effective.value}, because the "
            "namespace is part of what the value is sealed for; set it, or seal cluster-wide"
        )

    label = encryption_label(meta.namespace, meta.name, effective)
    encrypted = {
        key: base64.b64encode(hybrid_encrypt(public_key, values[key], label)).decode()
        for key in sorted(values)
    }

    template_meta = {
        key: value for key, value in metadata_dict(secret).items() if key not in _SERVER_METADATA
    }
    template_annotations = {
        key: value for key, value in annotations.items() if key not in LAST_APPLIED_ANNOTATIONS
    }
    template_meta.pop("annotations", None)
    if template_annotations:
        template_meta["annotations"] = template_annotations
    template: dict[str, Any] = {"metadata": template_meta}
    if manifest.type:
        template["type"] = manifest.type
    if manifest.immutable is not None:
        template["immutable"] = manifest.immutable

    sealed_meta: dict[str, Any] = {"name": meta.name}
    if meta.namespace:
        sealed_meta["namespace"] = meta.namespace
    scope_annotations = with_scope_annotations({}, effective)
    if scope_annotations:
        sealed_meta["annotations"] = scope_annotations
    return {
        "apiVersion": SEALED_API_VERSION,
        "kind": SEALED_KIND,
        "metadata": sealed_meta,
        "spec": {"encryptedData": encrypted, "template": template},
    }


def sealed_scope(sealed_secret: Mapping[str, Any]) -> Scope:
    """The scope a SealedSecret opens under: its own annotations, never its template's."""
    manifest = parse_manifest(SealedSecretManifest, sealed_secret, SEALED_KIND)
    return scope_from_annotations(manifest.metadata.annotations)


def unseal(
    sealed_secret: Mapping[str, Any], keys: Iterable[SealingKey | RSAPrivateKey]
) -> dict[str, Any]:
    """The v1 Secret a SealedSecret stands for, trying every key.

    UnsealError when no key opens a value where the SealedSecret says it is (namespace, name,
    scope); ManifestError when the object itself is wrong. Neither says anything of the values.
    """
    manifest = parse_manifest(SealedSecretManifest, sealed_secret, SEALED_KIND)
    values = _open_all(manifest, sealed_secret, _private_keys(keys))
    where = describe(SEALED_KIND, sealed_secret)
    template = manifest.spec.template
    for key, text in template.data.items():
        if "{{" in text:
            raise ManifestError(
                f"{where}: spec.template.data.{key}: templates over decrypted values are not "
                "supported; seal the rendered value instead"
            )
        # Without actions, a Go template renders as its own text.
        values[key] = text.encode()

    meta = manifest.metadata
    secret_meta = {
        key: value
        for key, value in copy.deepcopy(template.metadata.model_dump(by_alias=True)).items()
        if key not in _SERVER_METADATA and value not in ("", {}, None)
    }
    # The SealedSecret decides where its Secret lives, whatever its template says.
    secret_meta["name"] = meta.name
    secret_meta["namespace"] = meta.namespace
    if template.metadata.annotations.get(SKIP_OWNER_REFERENCES_ANNOTATION) != "true":
        secret_meta["ownerReferences"] = [
            {
                "apiVersion": SEALED_API_VERSION,
                "kind": SEALED_KIND,
                "name": meta.name,
                "uid": meta.uid,
                "controller": True,
            }
        ]
    secret: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": secret_meta,
        "type": template.type or "Opaque",
        "data": {key: base64.b64encode(values[key]).decode() for key in sorted(values)},
    }
    if template.immutable is not None:
        secret["immutable"] = template.immutable
    return secret


def reseal(
    sealed_secret: Mapping[str, Any],
    keys: Iterable[SealingKey | RSAPrivateKey],
    public_key: RSAPublicKey,
) -> dict[str, Any]:
    """The same SealedSecret with every value sealed again for `public_key`, same scope.

    Everything but spec.encryptedData is kept as it was.
    """
    manifest = parse_manifest(SealedSecretManifest, sealed_secret, SEALED_KIND)
    values = _open_all(manifest, sealed_secret, _private_keys(keys))
    label = _label(manifest, describe(SEALED_KIND, sealed_secret))
    resealed = copy.deepcopy(dict(sealed_secret))
    resealed["spec"]["encryptedData"] = {
        key: base64.b64encode(hybrid_encrypt(public_key, values[key], label)).decode()
        for key in sorted(values)
    }
    return resealed


def _private_keys(keys: Iterable[SealingKey | RSAPrivateKey]) -> list[RSAPrivateKey]:
    private_keys = [key.private_key if isinstance(key, SealingKey) else key for key in keys]
    if not private_keys:
        raise UnsealError("no keys to unseal with")
    return private_keys


def _label(manifest: SealedSecretManifest, where: str) -> bytes:
    meta = manifest.metadata
    scope = scope_from_annotations(meta.annotations)
    if not meta.name:
        raise ManifestError(f"{where}: metadata.name: required")
    if scope is not Scope.CLUSTER_WIDE and not meta.namespace:
        raise ManifestError(
            f"{where}: metadata.namespace: required to unseal a {scope.value} SealedSecret"
        )
    return encryption_label(meta.namespace, meta.name, scope)


def _open_all(
    manifest: SealedSecretManifest,
    sealed_secret: Mapping[str, Any],
    private_keys: list[RSAPrivateKey],
) -> dict[str, bytes]:
    where = describe(SEALED_KIND, sealed_secret)
    if manifest.spec.data is not None:
        raise ManifestError(
            f"{where}: spec.data: the deprecated whole-Secret format is not supported "
            "(nor by the controller's default); seal the Secret again into encryptedData"
        )
    label = _label(manifest, where)
    ciphertexts = {
        key: _b64decode(text, f"{where}: spec.encryptedData.{key}: not valid base64")
        for key, text in manifest.spec.encrypted_data.items()
    }
    values: dict[str, bytes] = {}
    failed: list[str] = []
    for key, ciphertext in sorted(ciphertexts.items()):
        try:
            values[key] = hybrid_decrypt(private_keys, ciphertext, label)
        except UnsealError:
            failed.append(key)
    if failed:
        raise UnsealError(_why_closed(manifest, where, failed, ciphertexts, private_keys))
    return values


def _why_closed(
    manifest: SealedSecretManifest,
    where: str,
    failed: list[str],
    ciphertexts: Mapping[str, bytes],
    private_keys: list[RSAPrivateKey],
) -> str:
    meta = manifest.metadata
    scope = scope_from_annotations(meta.annotations)
    keys = ", ".join(f"spec.encryptedData.{key}" for key in failed)
    # Only diagnosis: whether the session key would unwrap under another scope for this same
    # namespace and name. Nothing is decrypted and the value still does not open.
    for other in Scope:
        if other is scope:
            continue
        label = encryption_label(meta.namespace, meta.name, other)
        try:
            if unwrap_session_key(private_keys, ciphertexts[failed[0]], label) is not None:
                return (
                    f"{where}: {keys}: sealed {other.value}, but the SealedSecret's annotations "
                    f"say {scope.value}; the scope is fixed when a value is sealed, so seal it "
                    "again with the scope wanted"
                )
        except UnsealError:
            break
    if scope is Scope.STRICT:
        bound = f"namespace {meta.namespace!r} and name {meta.name!r} (strict scope)"
    elif scope is Scope.NAMESPACE_WIDE:
        bound = f"namespace {meta.namespace!r} (namespace-wide scope)"
    else:
        bound = "any namespace (cluster-wide scope)"
    return (
        f"{where}: {keys}: no key opens it for {bound}: it was sealed for another namespace, "
        "name or scope, or with a key this store does not hold, or it was altered"
    )


def _b64decode(text: str, problem: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ManifestError(problem) from None
