"""Sealing keys: an RSA key pair and its self-signed certificate, as the controller makes them.

Pure: keys are made and (de)serialized in memory; keystore.py puts them in files.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificatePublicKeyTypes,
    PublicKeyTypes,
)
from cryptography.x509.oid import NameOID

from seaway.secrets.errors import KeyStoreError

# The sealed-secrets controller's defaults (--key-size, --key-ttl).
DEFAULT_KEY_BITS = 4096
DEFAULT_VALIDITY = timedelta(days=3650)
DEFAULT_COMMON_NAME = "seaway-sealed-secrets"
_PUBLIC_EXPONENT = 65537
_SERIAL_BITS = 128


@dataclass(frozen=True)
class SealingKey:
    private_key: RSAPrivateKey
    certificate: x509.Certificate

    @property
    def public_key(self) -> RSAPublicKey:
        return self.private_key.public_key()

    @property
    def fingerprint(self) -> str:
        return public_key_fingerprint(self.public_key)

    @property
    def not_before(self) -> datetime:
        return self.certificate.not_valid_before_utc


def generate_sealing_key(
    bits: int = DEFAULT_KEY_BITS,
    common_name: str = DEFAULT_COMMON_NAME,
    valid_for: timedelta = DEFAULT_VALIDITY,
    now: datetime | None = None,
) -> SealingKey:
    """A new RSA key and a self-signed CA certificate for it, like the controller's."""
    private_key = rsa.generate_private_key(public_exponent=_PUBLIC_EXPONENT, key_size=bits)
    not_before = (now or datetime.now(UTC)).replace(microsecond=0)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        # A random 128-bit serial, as the controller draws it.
        .serial_number(int.from_bytes(os.urandom(_SERIAL_BITS // 8)) or 1)
        .not_valid_before(not_before)
        .not_valid_after(not_before + valid_for)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        # The controller asks for encipherOnly, which X.509 defines only with keyAgreement and
        # `cryptography` refuses alone; keyEncipherment is what this key does (it wraps
        # session keys), and no client checks the usage.
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(private_key, hashes.SHA256())
    )
    return SealingKey(private_key, certificate)


def public_key_fingerprint(public_key: RSAPublicKey) -> str:
    """The controller's key fingerprint: OpenSSH's SHA256 fingerprint of the public key."""
    wire = public_key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    blob = base64.b64decode(wire.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def private_key_pem(key: RSAPrivateKey) -> bytes:
    # PKCS#1, like the controller's tls.key, so `kubeseal --recovery-private-key` reads it.
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def certificate_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def load_private_key(pem: bytes, source_name: str) -> RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyStoreError(f"{source_name}: not a PEM private key without a password") from exc
    if not isinstance(key, RSAPrivateKey):
        raise KeyStoreError(f"{source_name}: not an RSA private key")
    return key


def load_certificate(pem: bytes, source_name: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        raise KeyStoreError(f"{source_name}: not a PEM certificate") from exc


def load_public_key(pem: bytes, source_name: str) -> RSAPublicKey:
    """The key to seal with, from a certificate (what the controller publishes) or a public key."""
    key: PublicKeyTypes | CertificatePublicKeyTypes
    if b"-----BEGIN CERTIFICATE-----" in pem:
        key = load_certificate(pem, source_name).public_key()
    else:
        try:
            key = serialization.load_pem_public_key(pem)
        except ValueError as exc:
            raise KeyStoreError(
                f"{source_name}: neither a PEM certificate nor a PEM public key"
            ) from exc
    if not isinstance(key, RSAPublicKey):
        raise KeyStoreError(f"{source_name}: the key is not an RSA key")
    return key
