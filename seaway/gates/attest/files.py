"""Attestations, keys and policies on disk: the only module of the package that does file I/O.

Attestations live beside the environment repository, one folder per image digest:
`attestations/<sha256-hex>/<predicate-name>.dsse.json`. A newer attestation of the same kind
replaces the older one (a re-run test suite supersedes the last run); approvals are kept one per
stage and approver.

The other store is the OCI registry itself, in cosign's layout (oci.py): the same DSSE
envelopes, as layers of the tag `sha256-<hex>.att` of the image's repository.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from seaway.gates.attest.dsse import Envelope
from seaway.gates.attest.errors import AttestError
from seaway.gates.attest.keys import SigningKey, load_private_key
from seaway.gates.attest.policy import Policy, parse_policy
from seaway.gates.attest.predicates import Approval, PredicateKind
from seaway.gates.attest.statement import ImageRef
from seaway.gates.attest.verify import Attestation

SUFFIX = ".dsse.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_PRIVATE_MODE = 0o600


@dataclass(frozen=True)
class AttestationStore:
    root: Path

    def folder(self, image: ImageRef) -> Path:
        return self.root / image.sha256

    def add(
        self, image: ImageRef, kind: PredicateKind, envelope: Envelope, approval: Approval | None
    ) -> Path:
        name = kind.value
        if approval is not None:
            name += f"-{_safe(approval.stage)}-{_safe(approval.approver)}"
        path = self.folder(image) / f"{name}{SUFFIX}"
        write_atomically(path, envelope.to_json())
        return path

    def load(self, image: ImageRef) -> list[Attestation]:
        """Every attestation stored for the image; none when the folder does not exist."""
        folder = self.folder(image)
        if not folder.is_dir():
            return []
        return [read_attestation(path) for path in sorted(folder.glob(f"*{SUFFIX}"))]


def read_attestation(path: Path) -> Attestation:
    try:
        return Attestation(str(path), path.read_bytes())
    except OSError as exc:
        raise AttestError(str(path), [f"cannot read: {exc.strerror or exc}"]) from None


def read_policy(path: Path) -> Policy:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise AttestError(str(path), [f"cannot read: {exc.strerror or exc}"]) from None
    # Key paths in a policy are relative to the policy file, so it can move with its keys.
    return parse_policy(text, str(path), lambda name: (path.parent / name).read_bytes())


def read_private_key(path: Path, password: bytes | None = None) -> SigningKey:
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise AttestError(str(path), [f"cannot read: {exc.strerror or exc}"]) from None
    return load_private_key(pem, str(path), password)


def write_key_pair(
    folder: Path, name: str, key: SigningKey, password: bytes | None = None
) -> tuple[Path, Path]:
    """Write `<name>.key` (mode 0600) and `<name>.pub`; never overwrite an existing key."""
    private_path = folder / f"{name}.key"
    public_path = folder / f"{name}.pub"
    for path in (private_path, public_path):
        if path.exists():
            raise AttestError(str(path), ["already exists; not overwriting a key"])
    folder.mkdir(parents=True, exist_ok=True)
    # Created with its final mode, so the key is never readable by others, not even briefly.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_pem(password))
    public_path.write_bytes(key.public.pem())
    return private_path, public_path


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("_") or "_"
