"""Sealed secrets in kubeseal's format: encrypted in CI with a public certificate, opened only
where the private keys live (the controller).

The cryptography works over bytes and objects (hybrid.py, keys.py, sealing.py); the key store
(keystore.py) is the one module that touches files. No function here logs, and no error it
raises contains a secret value.
"""

from seaway.secrets.errors import KeyStoreError, ManifestError, SecretsError, UnsealError
from seaway.secrets.hybrid import hybrid_decrypt, hybrid_encrypt
from seaway.secrets.keys import (
    DEFAULT_KEY_BITS,
    SealingKey,
    certificate_pem,
    generate_sealing_key,
    load_certificate,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_fingerprint,
)
from seaway.secrets.keystore import KeyStore, StoredKey
from seaway.secrets.scope import (
    CLUSTER_WIDE_ANNOTATION,
    NAMESPACE_WIDE_ANNOTATION,
    Scope,
    encryption_label,
    scope_from_annotations,
    with_scope_annotations,
)
from seaway.secrets.sealing import reseal, seal, sealed_scope, unseal

__all__ = [
    "CLUSTER_WIDE_ANNOTATION",
    "DEFAULT_KEY_BITS",
    "NAMESPACE_WIDE_ANNOTATION",
    "KeyStore",
    "KeyStoreError",
    "ManifestError",
    "Scope",
    "SealingKey",
    "SecretsError",
    "StoredKey",
    "UnsealError",
    "certificate_pem",
    "encryption_label",
    "generate_sealing_key",
    "hybrid_decrypt",
    "hybrid_encrypt",
    "load_certificate",
    "load_private_key",
    "load_public_key",
    "private_key_pem",
    "public_key_fingerprint",
    "reseal",
    "scope_from_annotations",
    "seal",
    "sealed_scope",
    "unseal",
    "with_scope_annotations",
]
