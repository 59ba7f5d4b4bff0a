"""kubeseal's hybrid encryption over bytes: RSA-OAEP wraps a one-time AES-256-GCM key.

Layout of one sealed value (as in sealed-secrets' pkg/crypto):

    2 bytes  big-endian length N of the RSA ciphertext
    N bytes  RSA-OAEP(SHA-256, label) of a random 32-byte session key
    rest     AES-256-GCM ciphertext and tag of the value, zero nonce, no associated data

The zero nonce is safe only because every session key encrypts exactly one value.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from seaway.secrets.errors import UnsealError

SESSION_KEY_BYTES = 32
GCM_NONCE = bytes(12)
_LENGTH = struct.Struct(">H")


def _oaep(label: bytes) -> padding.OAEP:
    # Go's rsa.EncryptOAEP uses the OAEP hash for MGF1 as well.
    return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=label)


def hybrid_encrypt(public_key: RSAPublicKey, plaintext: bytes, label: bytes) -> bytes:
    session_key = os.urandom(SESSION_KEY_BYTES)
    wrapped = public_key.encrypt(session_key, _oaep(label))
    if len(wrapped) > 0xFFFF:
        raise ValueError(f"a {public_key.key_size}-bit RSA key is too large for the 2-byte prefix")
    sealed = AESGCM(session_key).encrypt(GCM_NONCE, plaintext, None)
    return _LENGTH.pack(len(wrapped)) + wrapped + sealed


def split_ciphertext(ciphertext: bytes) -> tuple[bytes, bytes]:
    """(RSA part, AES-GCM part); UnsealError when the length prefix does not fit."""
    if len(ciphertext) < _LENGTH.size:
        raise UnsealError("the sealed value is too short")
    (rsa_length,) = _LENGTH.unpack_from(ciphertext)
    if len(ciphertext) < _LENGTH.size + rsa_length:
        raise UnsealError("the sealed value is too short")
    end = _LENGTH.size + rsa_length
    return ciphertext[_LENGTH.size : end], ciphertext[end:]


def unwrap_session_key(
    private_keys: Iterable[RSAPrivateKey], ciphertext: bytes, label: bytes
) -> bytes | None:
    """The session key, if one of the keys opens the RSA part under `label`."""
    wrapped, _ = split_ciphertext(ciphertext)
    for key in private_keys:
        try:
            return key.decrypt(wrapped, _oaep(label))
        except ValueError:
            continue
    return None


def hybrid_decrypt(private_keys: Iterable[RSAPrivateKey], ciphertext: bytes, label: bytes) -> bytes:
    """The plaintext, trying every key; UnsealError (saying nothing of the value) otherwise."""
    wrapped, sealed = split_ciphertext(ciphertext)
    for key in private_keys:
        try:
            session_key = key.decrypt(wrapped, _oaep(label))
            return AESGCM(session_key).decrypt(GCM_NONCE, sealed, None)
        except (ValueError, InvalidTag):
            # Wrong key, wrong label, or altered bytes look the same from here: try the next key.
            continue
    raise UnsealError("no key could decrypt it")
