"""The hybrid encryption, byte for byte as sealed-secrets lays it out."""

from __future__ import annotations

import struct

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from seaway.secrets import SealingKey, UnsealError, hybrid_decrypt, hybrid_encrypt
from tests.secrets.conftest import PLAINTEXT


def test_known_answer_byte_layout(key: SealingKey) -> None:
    label = b"shop/db"
    sealed = hybrid_encrypt(key.public_key, PLAINTEXT.encode(), label)

    # Opened here with plain `cryptography` calls, independent of the code under test:
    # 2-byte big-endian length, RSA-OAEP(SHA-256, MGF1-SHA-256, label) of a 32-byte key,
    # then AES-256-GCM under a zero 12-byte nonce with no associated data.
    (rsa_length,) = struct.unpack(">H", sealed[:2])
    assert rsa_length == key.public_key.key_size // 8 == 256
    rsa_part = sealed[2 : 2 + rsa_length]
    aes_part = sealed[2 + rsa_length :]
    oaep = padding.OAEP(
        mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=label
    )
    session_key = key.private_key.decrypt(rsa_part, oaep)
    assert len(session_key) == 32
    assert AESGCM(session_key).decrypt(b"\x00" * 12, aes_part, None) == PLAINTEXT.encode()
    # The GCM tag is 16 bytes on top of the plaintext.
    assert len(aes_part) == len(PLAINTEXT) + 16


def test_session_keys_are_fresh_each_time(key: SealingKey) -> None:
    one = hybrid_encrypt(key.public_key, b"same", b"")
    two = hybrid_encrypt(key.public_key, b"same", b"")
    assert one != two
    assert one[-20:] != two[-20:]


@pytest.mark.parametrize("label", [b"", b"shop", b"shop/db"])
def test_round_trip_under_each_label(key: SealingKey, label: bytes) -> None:
    sealed = hybrid_encrypt(key.public_key, PLAINTEXT.encode(), label)
    assert hybrid_decrypt([key.private_key], sealed, label) == PLAINTEXT.encode()


def test_wrong_label_does_not_open(key: SealingKey) -> None:
    sealed = hybrid_encrypt(key.public_key, PLAINTEXT.encode(), b"shop/db")
    for label in (b"", b"shop", b"shop/other", b"other/db"):
        with pytest.raises(UnsealError) as caught:
            hybrid_decrypt([key.private_key], sealed, label)
        assert PLAINTEXT not in str(caught.value)


def test_every_key_is_tried(key: SealingKey, other_key: SealingKey) -> None:
    sealed = hybrid_encrypt(key.public_key, b"v", b"l")
    assert hybrid_decrypt([other_key.private_key, key.private_key], sealed, b"l") == b"v"
    with pytest.raises(UnsealError, match="no key could decrypt it"):
        hybrid_decrypt([other_key.private_key], sealed, b"l")


@pytest.mark.parametrize("where", ["rsa", "aes", "tag"])
def test_tampering_is_detected(key: SealingKey, where: str) -> None:
    sealed = bytearray(hybrid_encrypt(key.public_key, PLAINTEXT.encode(), b"l"))
    index = {"rsa": 10, "aes": 2 + 256 + 1, "tag": len(sealed) - 1}[where]
    sealed[index] ^= 0x01
    with pytest.raises(UnsealError):
        hybrid_decrypt([key.private_key], bytes(sealed), b"l")


@pytest.mark.parametrize("data", [b"", b"\x01", b"\x01\x00" + b"x" * 10])
def test_too_short(key: SealingKey, data: bytes) -> None:
    with pytest.raises(UnsealError, match="too short"):
        hybrid_decrypt([key.private_key], data, b"")
