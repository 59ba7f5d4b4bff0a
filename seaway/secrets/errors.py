"""Errors of sealing and unsealing. None of them ever carries a secret value."""

from __future__ import annotations


class SecretsError(ValueError):
    """Base of every error this package raises."""


class ManifestError(SecretsError):
    """A Secret or SealedSecret that cannot be used as given; names the object and field."""


class UnsealError(SecretsError):
    """A SealedSecret that no key opens: wrong key, wrong namespace, name or scope, or altered."""


class KeyStoreError(SecretsError):
    """A key store directory that cannot be used: missing, empty, or with unsafe files."""
