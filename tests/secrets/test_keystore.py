"""The key store: files and their modes, rotation, and the certificate to seal with."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding

from seaway.secrets import (
    KeyStore,
    KeyStoreError,
    certificate_pem,
    generate_sealing_key,
    load_public_key,
    public_key_fingerprint,
    reseal,
    seal,
    unseal,
)
from tests.secrets.conftest import PLAINTEXT, TEST_KEY_BITS, secret_manifest


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_generate_writes_a_private_key_only_the_owner_reads(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    stored = store.generate(TEST_KEY_BITS)
    assert stored.name == "sealed-secrets-key-0001"
    assert stored.key_path == tmp_path / "keys" / "sealed-secrets-key-0001.key"
    assert _mode(stored.key_path) == 0o600
    assert _mode(stored.certificate_path) == 0o644
    assert _mode(tmp_path / "keys") == 0o700
    assert stored.key_path.read_bytes().startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == [
        "sealed-secrets-key-0001.crt",
        "sealed-secrets-key-0001.key",
    ]
    loaded = store.active()
    assert loaded.key.fingerprint == stored.key.fingerprint


def test_generate_refuses_a_store_with_keys(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    store.generate(TEST_KEY_BITS)
    with pytest.raises(
        KeyStoreError, match="already holds sealing keys; use `seaway secret rotate`"
    ):
        store.generate(TEST_KEY_BITS)


def test_empty_or_missing_store(tmp_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="no sealing keys yet"):
        KeyStore(tmp_path).active()
    with pytest.raises(KeyStoreError, match="no such key store directory"):
        KeyStore(tmp_path / "absent").list_keys()
    with pytest.raises(KeyStoreError, match="no sealing keys yet"):
        KeyStore(tmp_path).rotate(TEST_KEY_BITS)


def test_rotate_then_old_secrets_open_and_reseal_uses_the_new_key(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    first = store.generate(TEST_KEY_BITS)
    sealed = seal(secret_manifest(), first.key.public_key)

    second = store.rotate(TEST_KEY_BITS)
    assert second.name == "sealed-secrets-key-0002"
    assert store.active().key.fingerprint == second.key.fingerprint
    assert [k.name for k in store.list_keys()] == [
        "sealed-secrets-key-0002",
        "sealed-secrets-key-0001",
    ]

    opened = unseal(sealed, store.sealing_keys())
    assert base64.b64decode(opened["data"]["password"]).decode() == PLAINTEXT

    resealed = reseal(sealed, store.sealing_keys(), store.active().key.public_key)
    # Only the new key opens the resealed values.
    assert unseal(resealed, [second.key])["data"] == opened["data"]
    with pytest.raises(Exception, match="no key opens it"):
        unseal(resealed, [first.key])


def test_a_private_key_others_can_read_is_refused(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    stored = store.generate(TEST_KEY_BITS)
    os.chmod(stored.key_path, 0o644)
    with pytest.raises(KeyStoreError, match="permissions 0644 let others read the private key"):
        store.list_keys()


def test_a_key_without_its_certificate_is_refused(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    stored = store.generate(TEST_KEY_BITS)
    stored.certificate_path.unlink()
    with pytest.raises(KeyStoreError, match=r"sealed-secrets-key-0001\.crt: missing"):
        store.list_keys()


def test_a_certificate_of_another_key_is_refused(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    stored = store.generate(TEST_KEY_BITS)
    stored.certificate_path.write_bytes(
        certificate_pem(generate_sealing_key(TEST_KEY_BITS).certificate)
    )
    with pytest.raises(KeyStoreError, match="does not match the key"):
        store.list_keys()


def test_certificate_is_a_self_signed_ca_like_the_controllers() -> None:
    key = generate_sealing_key(TEST_KEY_BITS, common_name="sealed-secret")
    cert = key.certificate
    assert cert.subject == cert.issuer
    assert cert.subject.rfc4514_string() == "CN=sealed-secret"
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert 0 < cert.serial_number < 2**128
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 3650
    # Self-signed: its own key verifies its signature.
    assert cert.signature_hash_algorithm is not None
    key.public_key.verify(
        cert.signature,
        cert.tbs_certificate_bytes,
        padding.PKCS1v15(),
        cert.signature_hash_algorithm,
    )
    assert load_public_key(certificate_pem(cert), "cert.pem") == key.public_key
    assert key.fingerprint == public_key_fingerprint(key.public_key)
    assert key.fingerprint.startswith("SHA256:")


def test_the_default_key_is_rsa_4096() -> None:
    assert generate_sealing_key().private_key.key_size == 4096


def test_load_public_key_rejects_what_is_not_one() -> None:
    with pytest.raises(KeyStoreError, match=r"cert\.pem: neither a PEM certificate"):
        load_public_key(b"hello", "cert.pem")
