"""The controller's key store: sealing keys as PEM files in one directory.

Each key is two files, `sealed-secrets-key-NNNN.key` (the private key, mode 0600) and
`sealed-secrets-key-NNNN.crt` (its certificate, which is public). The highest number is the
active key, the one new secrets are sealed with; older keys stay so that what they sealed still
opens. Numbers rather than timestamps order the keys, so two rotations in one second stay in order.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from seaway.secrets.errors import KeyStoreError
from seaway.secrets.keys import (
    DEFAULT_KEY_BITS,
    SealingKey,
    certificate_pem,
    generate_sealing_key,
    load_certificate,
    load_private_key,
    private_key_pem,
)

KEY_PREFIX = "sealed-secrets-key-"
_KEY_FILE = re.compile(rf"^{re.escape(KEY_PREFIX)}(\d{{4,}})\.key$")
_PRIVATE_MODE = 0o600
_PUBLIC_MODE = 0o644
_DIRECTORY_MODE = 0o700


@dataclass(frozen=True)
class StoredKey:
    name: str
    number: int
    key: SealingKey
    key_path: Path
    certificate_path: Path


class KeyStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def list_keys(self) -> list[StoredKey]:
        """Every key, newest (active) first."""
        if not self.directory.is_dir():
            raise KeyStoreError(f"{self.directory}: no such key store directory")
        found = []
        for path in self.directory.iterdir():
            match = _KEY_FILE.match(path.name)
            if match:
                found.append(self._load(path, int(match.group(1))))
        return sorted(found, key=lambda stored: stored.number, reverse=True)

    def active(self) -> StoredKey:
        keys = self.list_keys()
        if not keys:
            raise KeyStoreError(
                f"{self.directory}: no sealing keys yet; create one with `seaway secret keygen`"
            )
        return keys[0]

    def sealing_keys(self) -> list[SealingKey]:
        return [stored.key for stored in self.list_keys()]

    def generate(self, bits: int = DEFAULT_KEY_BITS) -> StoredKey:
        """The first key of a new store; refuses a store that has keys (use rotate)."""
        if self.directory.is_dir() and self.list_keys():
            raise KeyStoreError(
                f"{self.directory}: already holds sealing keys; "
                "use `seaway secret rotate` to add a new active key"
            )
        return self._add(bits)

    def rotate(self, bits: int = DEFAULT_KEY_BITS) -> StoredKey:
        """A new active key; the old ones stay, so what they sealed still opens."""
        self.active()
        return self._add(bits)

    def _add(self, bits: int) -> StoredKey:
        self.directory.mkdir(mode=_DIRECTORY_MODE, parents=True, exist_ok=True)
        existing = [
            int(match.group(1))
            for match in map(_KEY_FILE.match, os.listdir(self.directory))
            if match
        ]
        number = max(existing, default=0) + 1
        name = f"{KEY_PREFIX}{number:04d}"
        key = generate_sealing_key(bits)
        certificate_path = self.directory / f"{name}.crt"
        key_path = self.directory / f"{name}.key"
        # The certificate first and the key last: a key file only ever appears complete and with
        # its certificate beside it.
        _write_new(certificate_path, certificate_pem(key.certificate), _PUBLIC_MODE)
        _write_new(key_path, private_key_pem(key.private_key), _PRIVATE_MODE)
        return StoredKey(name, number, key, key_path, certificate_path)

    def _load(self, key_path: Path, number: int) -> StoredKey:
        mode = stat.S_IMODE(key_path.stat().st_mode)
        if mode & 0o077:
            # Like ssh: a private key others can read may already be another's.
            raise KeyStoreError(
                f"{key_path}: permissions {mode:04o} let others read the private key; "
                f"run chmod 600 {key_path}"
            )
        certificate_path = key_path.with_suffix(".crt")
        if not certificate_path.is_file():
            raise KeyStoreError(f"{certificate_path}: missing (the certificate of {key_path.name})")
        private_key = load_private_key(key_path.read_bytes(), str(key_path))
        certificate = load_certificate(certificate_path.read_bytes(), str(certificate_path))
        if certificate.public_key() != private_key.public_key():
            raise KeyStoreError(f"{certificate_path}: does not match the key {key_path.name}")
        return StoredKey(
            key_path.stem, number, SealingKey(private_key, certificate), key_path, certificate_path
        )


def _write_new(path: Path, data: bytes, mode: int) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    # Left behind by a write that was interrupted; it was never a key of the store.
    temporary.unlink(missing_ok=True)
    # O_EXCL with the final mode: the file is never readable by others, not even for a moment.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
