"""Signing keys for attestations: ECDSA P-256 (SHA-256, DER signatures, as cosign signs) and
Ed25519.

Pure: keys are made and (de)serialized in memory; files.py puts them on disk. A key's id is the
lowercase hex SHA-256 of its DER SubjectPublicKeyInfo, so anyone holding the public PEM can
compute it (`openssl pkey -pubin -outform DER | sha256sum`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

from seaway.gates.attest.errors import AttestError

PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

# Enough of a key id to tell keys apart in a message; the full id is in --json output.
SHORT_ID = 16


class Algorithm(StrEnum):
    ECDSA_P256 = "ecdsa-p256"
    ED25519 = "ed25519"


_SUPPORTED = "Seaway signs and verifies with ecdsa-p256 and ed25519 keys"


@dataclass(frozen=True)
class VerifyingKey:
    public_key: PublicKey
    algorithm: Algorithm
    keyid: str

    @property
    def short_id(self) -> str:
        return self.keyid[:SHORT_ID]

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            if isinstance(self.public_key, ed25519.Ed25519PublicKey):
                self.public_key.verify(signature, message)
            else:
                self.public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            return False
        return True

    def pem(self) -> bytes:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@dataclass(frozen=True)
class SigningKey:
    # repr=False: a key in a traceback or a log line shows nothing of itself.
    private_key: PrivateKey = field(repr=False)
    algorithm: Algorithm

    @property
    def public(self) -> VerifyingKey:
        return _verifying(self.private_key.public_key(), self.algorithm)

    def sign(self, message: bytes) -> bytes:
        if isinstance(self.private_key, ed25519.Ed25519PrivateKey):
            return self.private_key.sign(message)
        return self.private_key.sign(message, ec.ECDSA(hashes.SHA256()))

    def private_pem(self, password: bytes | None = None) -> bytes:
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )


def generate_key(algorithm: Algorithm = Algorithm.ECDSA_P256) -> SigningKey:
    if algorithm is Algorithm.ED25519:
        return SigningKey(ed25519.Ed25519PrivateKey.generate(), algorithm)
    return SigningKey(ec.generate_private_key(ec.SECP256R1()), algorithm)


def key_id(public_key: PublicKeyTypes) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def load_public_key(pem: bytes, source: str) -> VerifyingKey:
    try:
        public_key = serialization.load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm):
        raise AttestError(source, ["not a PEM public key (-----BEGIN PUBLIC KEY-----)"]) from None
    if isinstance(public_key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        return _verifying(public_key, _algorithm_of(public_key, source))
    raise _unsupported(public_key, source)


def load_private_key(pem: bytes, source: str, password: bytes | None = None) -> SigningKey:
    try:
        private_key = serialization.load_pem_private_key(pem, password or None)
    except TypeError:
        # cryptography's way of saying the key is encrypted and no password was given, or the
        # other way round.
        problem = (
            "the key is encrypted: give its password"
            if not password
            else "the key is not encrypted, but a password was given"
        )
        raise AttestError(source, [problem]) from None
    except (ValueError, UnsupportedAlgorithm):
        problem = (
            "wrong password, or not a PEM private key"
            if password
            else "not a PEM private key (-----BEGIN PRIVATE KEY-----)"
        )
        raise AttestError(source, [problem]) from None
    if isinstance(private_key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        return SigningKey(private_key, _algorithm_of(private_key, source))
    raise _unsupported(private_key, source)


def _algorithm_of(key: PublicKey | PrivateKey, source: str) -> Algorithm:
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return Algorithm.ED25519
    if isinstance(key.curve, ec.SECP256R1):
        return Algorithm.ECDSA_P256
    raise AttestError(source, [f"unsupported algorithm ECDSA over {key.curve.name}; {_SUPPORTED}"])


def _unsupported(key: PublicKeyTypes | PrivateKeyTypes, source: str) -> AttestError:
    size = getattr(key, "key_size", None)
    name = type(key).__name__.removesuffix("PublicKey").removesuffix("PrivateKey").lstrip("_")
    described = f"{name.upper()}-{size}" if size else name.upper()
    return AttestError(source, [f"unsupported algorithm {described}; {_SUPPORTED}"])


def _verifying(public_key: PublicKey, algorithm: Algorithm) -> VerifyingKey:
    return VerifyingKey(public_key, algorithm, key_id(public_key))
