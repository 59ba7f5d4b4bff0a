"""The generated admin password's plaintext, kept just long enough for the admin to read it.

Why a file at all: only the argon2id hash goes into the store, and a hash cannot be shown, yet
the admin must learn the password that first start generated. Printing it to the server's log
would copy it into every log shipper and terminal scrollback, for good. So Seaway does what Argo
CD's `argocd-initial-admin-secret` does, with the deletion its docs ask for built in: the
plaintext sits in a file readable only by Seaway's user (0600, the same trust as the store, which
holds the session key), `seaway admin initial-password` shows it, and it is deleted as soon as
the admin changes the password or runs `seaway admin initial-password --forget`.

Where the plaintext lives is a seam (`PlaintextKeeper`): this file on the local backend; on
Kubernetes a Secret in Seaway's namespace (`seaway.cluster.kubernetes.admin_secret`), which is
where Argo CD keeps it and where a cluster admin looks for it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Protocol

FILE_MODE = 0o600


class PlaintextKeeper(Protocol):
    """Where the generated password's plaintext waits for the admin. Synchronous, as `Access`
    is; a keeper that cannot reach its place raises rather than pretend it is empty."""

    @property
    def location(self) -> str:
        """Where it is, for messages: "on disk", "in Secret ns/name"."""
        ...

    def write(self, text: str) -> None: ...

    def read(self) -> str | None: ...

    def remove(self) -> bool:
        """Delete it; whether there was one."""
        ...


class PlaintextFile:
    location = "on disk"

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"PlaintextFile({str(self.path)!r})"

    def write(self, text: str) -> None:
        """Replace the file atomically; it exists only ever with mode 0600."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
            raise

    def read(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def remove(self) -> bool:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True
